import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { scrubSecrets } from "../observability/secrets.ts";
import { ConfigError, cleanEnv, normalizeFingerprint, resolveConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "omni-proxmox-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const seedConfig = `proxmox:
  url: "https://192.168.3.5:8006/api2/json"
  tokenID: "terraform@pam!automation"
  tokenSecret: "11111111-2222-3333-4444-555555555555"
  insecureSkipVerify: true  # Self-signed Proxmox certs
`;

test("the seed's config.yaml and Go provider flags resolve unchanged", () => {
  const config = resolveConfig(
    {
      configFile: file("seed.yaml", seedConfig),
      omniApiEndpoint: "https://omni.spaceships.work",
      id: "matrix-cluster",
      omniServiceAccountKey: "a-service-account-key",
    },
    {},
  );
  assert.equal(config.providerId, "matrix-cluster");
  assert.equal(config.providerName, "Proxmox");
  assert.equal(config.proxmox.url, "https://192.168.3.5:8006/api2/json");
  assert.deepEqual(config.proxmox.auth, {
    kind: "token",
    tokenId: "terraform@pam!automation",
    secret: "11111111-2222-3333-4444-555555555555",
  });
  assert.equal(config.proxmox.insecureSkipVerify, true);
  assert.equal(config.concurrency, 8);
});

test("environment variables as the Go provider and the seed's compose file set them", () => {
  const config = resolveConfig(
    {},
    {
      OMNI_ENDPOINT: '"https://omni.spaceships.work"',
      OMNI_INFRA_PROVIDER_KEY: "key-from-compose",
      PROXMOX_URL: "https://192.168.3.5:8006/api2/json",
      PROXMOX_TOKEN: "terraform@pam!automation=abcdef-123456",
      PROXMOX_INSECURE_SKIP_VERIFY: "true",
    },
  );
  assert.equal(config.omni.endpoint, "https://omni.spaceships.work");
  assert.equal(config.omni.serviceAccountKey, "key-from-compose");
  assert.equal(config.providerId, "proxmox");
  assert.deepEqual(config.proxmox.auth, {
    kind: "token",
    tokenId: "terraform@pam!automation",
    secret: "abcdef-123456",
  });
});

test("flags win over environment variables", () => {
  const config = resolveConfig(
    { omniApiEndpoint: "https://flag.example", configFile: file("flags.yaml", seedConfig) },
    { OMNI_ENDPOINT: "https://env.example", OMNI_SERVICE_ACCOUNT_KEY: "k-env-123" },
  );
  assert.equal(config.omni.endpoint, "https://flag.example");
});

test("password credentials: username may carry the realm", () => {
  const config = resolveConfig(
    {
      configFile: file(
        "pw.yaml",
        'proxmox:\n  url: https://pve:8006/api2/json\n  username: root@pam\n  password: "s3cret-pw"\n',
      ),
      omniApiEndpoint: "https://omni",
      omniServiceAccountKey: "k-123456",
    },
    {},
  );
  assert.deepEqual(config.proxmox.auth, { kind: "password", username: "root", password: "s3cret-pw", realm: "pam" });
  assert.equal(scrubSecrets("login s3cret-pw"), "login [REDACTED]");
});

test("mistakes get errors that name the setting and the fix", () => {
  const base = { omniApiEndpoint: "https://omni", omniServiceAccountKey: "k-123456" };
  const cases: Array<[string, RegExp]> = [
    [
      "proxmox:\n  url: https://pve:8006\n  tokenId: a@pam!b\n  tokenSecret: x\n",
      /unknown key\(s\) "tokenId".*did you mean "tokenID"/,
    ],
    ["proxmox:\n  url: https://pve:8006\n", /no credentials/],
    ["proxmox:\n  url: http://pve:8006\n  token: a@pam!b=c\n", /https only/],
    ["proxmox:\n  url: https://pve:8006\n  tokenID: automation\n  tokenSecret: x\n", /USER@REALM!TOKENNAME/],
    ["proxmox:\n  url: https://pve:8006\n  token: a@pam!b=c\n  vmidRange: 50-10\n", /vmidRange/],
    ["proxmox: [1", /not valid YAML/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => resolveConfig({ ...base, configFile: file("bad.yaml", text) }, {}),
      (error: unknown) => error instanceof ConfigError && expected.test(error.message),
      text,
    );
  }
  assert.throws(() => resolveConfig({}, {}), /--omni-api-endpoint: not set/);
  assert.throws(
    () => resolveConfig({ omniApiEndpoint: "https://omni", configFile: file("ok.yaml", seedConfig) }, {}),
    /omnictl infraprovider create/,
  );
});

test("fingerprints are normalized to Proxmox's form", () => {
  const hex = "3f7d5cfc99fd4b8604f364dd866f89df0e29504a4930a0f9eb1269e055991307";
  assert.equal(
    normalizeFingerprint(hex),
    "3F:7D:5C:FC:99:FD:4B:86:04:F3:64:DD:86:6F:89:DF:0E:29:50:4A:49:30:A0:F9:EB:12:69:E0:55:99:13:07",
  );
  assert.throws(() => normalizeFingerprint("AB:CD"), /64 hex digits/);
});

test("cleanEnv trims one pair of quotes like the Go provider", () => {
  assert.equal(cleanEnv(' "x" '), "x");
  assert.equal(cleanEnv("'y'"), "y");
  assert.equal(cleanEnv('"z'), '"z');
});
