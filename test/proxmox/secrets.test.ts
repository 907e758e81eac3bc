/**
 * No secret — token secret, password, ticket or CSRF token — appears in any log line the client writes
 * (captured at trace level from a plain pino logger, so nothing downstream could hide a leak) or in any
 * error message, including failures of authentication itself.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { isProxmoxError, ProxmoxError } from "../../src/proxmox/index.ts";
import { type Harness, startHarness } from "./harness.ts";

const NODE = "foxtrot";
/** Shapes of a ticket (`PVE:user@realm:HEX::sig`) and a CSRF token (`HEX:base64`). */
const TICKET_RE = /PVE:[^:\s]+@[^:\s]+:[0-9A-F]{8}::/;
const CSRF_RE = /\b[0-9A-F]{8}:[A-Za-z0-9+/]{20,}/;

describe("secrets stay out of logs and errors", () => {
  let h: Harness;
  const lines: string[] = [];
  const errors: string[] = [];
  const logger = pino(
    { level: "trace" },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const collect = async (p: Promise<unknown>): Promise<void> => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof ProxmoxError, String(err));
      errors.push(
        err.message,
        JSON.stringify(err.params),
        err.exitStatus ?? "",
        ...err.logTail,
        String(err.cause ?? ""),
      );
    }
  };

  it("exercises token and ticket flows, successes and failures, with a capturing logger", async () => {
    const token = h.client("caFile", "provider", { logger });
    const root = h.client("fingerprint", "root", { logger });
    const badToken = h.client("caFile", "provider", { logger, tokenSecret: "11111111-2222-3333-4444-555555555555" });
    const badPassword = h.client("caFile", "root", { logger, password: "wrong-password-123" });
    await token.version();
    await root.version();
    const vmid = await root.nextId();
    await root.waitForTask(await root.createVm(NODE, { vmid, name: "secret-test", memory: "512" }));
    await collect(root.deleteVm(NODE, 99999));
    await collect(token.createVm(NODE, { vmid, name: "dup", memory: "512" }));
    await collect(badToken.version());
    await collect(badPassword.createVm(NODE, { vmid: 4444, memory: "512" }));
    h.sim.admin.injectFault({
      endpoint: "/cluster/resources",
      status: 401,
      message: "Authentication failed!",
      count: 1,
    });
    await root.clusterResources("vm");
    h.sim.admin.injectFault({ endpoint: `/qemu/${vmid}/status/start`, taskFailure: "boom", count: 1 });
    await collect(root.waitForTask(await root.startVm(NODE, vmid)));
    assert.ok(errors.length >= 5);
    assert.ok(lines.length > 10, "the client logged its requests");
  });

  it("leaks none of them", () => {
    const secrets = [
      h.sim.tokens.provider.secret,
      h.sim.users.root.password,
      "11111111-2222-3333-4444-555555555555",
      "wrong-password-123",
    ];
    for (const text of [...lines, ...errors]) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `secret in: ${text}`);
      assert.doesNotMatch(text, TICKET_RE);
      assert.doesNotMatch(text, CSRF_RE);
    }
  });

  it("keeps secrets out of credential errors raised before any request", () => {
    const secret = "abcdef12-3456-7890-abcd-ef1234567890";
    assert.throws(
      () => h.client("caFile", "provider", { tokenID: "bad id", tokenSecret: secret }),
      (e) => isProxmoxError(e, "auth_failed") && !e.message.includes(secret),
    );
  });
});
