import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { createLogger } from "./logger.ts";
import { clearSecretsForTests, registerSecret } from "./secrets.ts";

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

afterEach(() => clearSecretsForTests());

test("registered secrets never reach a log line, wherever they appear", () => {
  const secret = "0b8c5f2e-41a7-4d2b-9c36-7f1e2d3c4b5a";
  registerSecret(secret);
  const { lines, destination } = capture();
  const log = createLogger({ destination });
  log.info({ url: `https://pve?x=${encodeURIComponent(secret)}` }, `calling with ${secret}`);
  log.error(new Error(`auth failed: PVEAPIToken=root@pam!ci=${secret}`));
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(!line.includes(secret), line);
  assert.match(lines[0] ?? "", /\[REDACTED\]/);
});

test("secret-named fields are redacted even when not registered", () => {
  const { lines, destination } = capture();
  createLogger({ destination }).info({ tokenSecret: "abc", nested: { password: "hunter2" } }, "config");
  assert.ok(!lines[0]?.includes("hunter2"));
  assert.ok(!lines[0]?.includes('"abc"'));
});

test("pretty format prints one readable line", () => {
  const { lines, destination } = capture();
  createLogger({ destination, format: "pretty" }).info({ node: "golf" }, "placed");
  assert.match(lines[0] ?? "", /INFO\s+placed node=golf/);
});

test("per-request join tokens are scrubbed by shape, plain and URL-encoded", () => {
  const token =
    "v2:eyJleHRyYV9kYXRhIjp7Im9tbmkuc2lkZXJvLmRldi9pbmZyYS1wcm92aWRlci1pZCI6InRlc3QifSwic2lnbmF0dXJlIjoiWTNpZ285V2xJSVZOWWpXZmgyWlg5NnpnWW5UQjlwWTI3ZEJaVnJwNDJMZz0ifQ==";
  const { lines, destination } = capture();
  createLogger({ destination }).info(
    { apiUrl: `grpc://omni:8090?jointoken=${encodeURIComponent(token)}` },
    `token ${token}`,
  );
  assert.ok(!lines[0]?.includes("eyJleHRyYV9kYXRh"), lines[0]);
  assert.match(lines[0] ?? "", /jointoken=\[REDACTED\]/);
});
