import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import * as openpgp from "openpgp";
import { startOmniSimulator } from "../../src/lab/omni/index.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { State } from "../../src/omni/gen/v1alpha1/state_pb.js";
import { type Fixture, startFixture } from "./fixture.ts";
import { grpcClient, parseServiceAccountKey } from "./signer.ts";

const GET = { namespace: "infra-provider", type: "ProviderJoinConfigs.omni.sidero.dev", id: "proxmox" };

async function rejected(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => assert.fail("call should have been rejected"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectError);
  return error;
}

async function assertUnauthenticated(call: Promise<unknown>): Promise<void> {
  const error = await rejected(call);
  assert.equal(error.code, Code.Unauthenticated);
  assert.equal(error.rawMessage, "invalid signature");
}

describe("simulator authentication (§2.3)", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture("proxmox", { tls: true });
  });
  after(() => f.omni.close());

  it("accepts a correctly signed call over TLS", async () => {
    const res = await f.state.get(GET);
    assert.equal(res.resource?.metadata?.id, "proxmox");
  });

  it("rejects a call without signature", async () => {
    await assertUnauthenticated(f.stateAs(undefined).get(GET));
  });

  it("rejects a key the simulator never registered (wrong key)", async () => {
    const { privateKey } = await openpgp.generateKey({
      type: "ecc",
      curve: "curve25519Legacy",
      userIDs: [{ email: "proxmox@infra-provider.serviceaccount.omni.sidero.dev" }],
      format: "object",
    });
    const stranger = { name: "infra-provider:proxmox", key: privateKey, fingerprint: privateKey.getFingerprint() };
    await assertUnauthenticated(f.stateAs(stranger).get(GET));
  });

  it("rejects a signature made by another key under the registered fingerprint", async () => {
    const other = await parseServiceAccountKey(await f.omni.mintProviderKey("other"));
    await assertUnauthenticated(f.stateAs(other, { fingerprint: f.account.fingerprint }).get(GET));
  });

  it("rejects a tampered payload", async () => {
    await assertUnauthenticated(
      f
        .stateAs(f.account, { tamper: (p) => p.replace("/cosi.resource.State/Get", "/cosi.resource.State/List") })
        .get(GET),
    );
    await assertUnauthenticated(f.stateAs(f.account, { tamper: (p) => p.replace('"headers"', '"headers" ') }).get(GET));
  });

  it("rejects an expired key", async () => {
    const expired = await parseServiceAccountKey(await f.omni.mintProviderKey("proxmox", { expired: true }));
    const signingDate = new Date(Date.now() - 36 * 3600 * 1000);
    await assertUnauthenticated(f.stateAs(expired, { signingDate }).get(GET));
  });

  it("rejects a timestamp 6 minutes old or ahead, accepts 4 minutes", async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    await assertUnauthenticated(f.stateAs(f.account, { timestamp: nowSec - 360 }).get(GET));
    await assertUnauthenticated(f.stateAs(f.account, { timestamp: nowSec + 360 }).get(GET));
    const ok = await f.stateAs(f.account, { timestamp: nowSec - 240 }).get(GET);
    assert.equal(ok.resource?.metadata?.id, "proxmox");
  });

  it("rejects [] in place of null for absent headers", async () => {
    await assertUnauthenticated(
      f.stateAs(f.account, { headerValue: (name, v) => (name === "cluster" ? [] : v) }).get(GET),
    );
  });

  it("rejects a payload that claims a header the call does not carry", async () => {
    await assertUnauthenticated(
      f.stateAs(f.account, { headerValue: (name, v) => (name === "runtime" ? ["Talos"] : v) }).get(GET),
    );
  });

  it("mints keys in omnictl's format (§2.1)", async () => {
    const json = JSON.parse(Buffer.from(f.keyString, "base64").toString("utf8")) as Record<string, string>;
    assert.deepEqual(Object.keys(json), ["name", "pgp_key"]);
    assert.equal(json.name, "infra-provider:proxmox");
    assert.match(json.pgp_key!, /^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    assert.equal(Buffer.from(f.keyString, "base64").toString("base64"), f.keyString, "standard padded base64");
    const key = await openpgp.readPrivateKey({ armoredKey: json.pgp_key! });
    assert.equal(key.isDecrypted(), true, "unencrypted");
    assert.equal(key.keyPacket.version, 4);
    assert.equal(key.getAlgorithmInfo().algorithm, "eddsaLegacy");
    const subkey = key.getSubkeys()[0]!;
    assert.equal(subkey.getAlgorithmInfo().algorithm, "ecdh");
    assert.equal(subkey.getAlgorithmInfo().curve, "curve25519Legacy");
    assert.match(
      key.getUserIDs()[0]!,
      /^proxmox \(\w+\/\w+\) <proxmox@infra-provider\.serviceaccount\.omni\.sidero\.dev>$/,
    );
    const expiry = (await key.getExpirationTime()) as Date;
    const days = (expiry.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 364 && days < 366, `lifetime ${days} days`);
    assert.match(key.getFingerprint(), /^[0-9a-f]{40}$/);
  });
});

describe("simulator clock", () => {
  it("judges skew and expiry by the injected clock", async () => {
    let offset = 0;
    const omni = await startOmniSimulator({ now: () => Date.now() + offset });
    try {
      omni.registerProvider("proxmox");
      const account = await parseServiceAccountKey(await omni.mintProviderKey("proxmox", { ttlSeconds: 3600 }));
      const client = grpcClient(State, omni.url, account);
      await client.get(GET);
      offset = 6 * 60 * 1000;
      await assertUnauthenticated(client.get(GET));
      offset = 2 * 3600 * 1000;
      const late = grpcClient(State, omni.url, account, { timestamp: Math.floor((Date.now() + offset) / 1000) });
      await assertUnauthenticated(late.get(GET));
    } finally {
      await omni.close();
    }
  });
});

describe("secrets stay out of logs and errors (acceptance 6)", () => {
  it("never writes the key or a signature to the log or an error", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", destination: { write: (l: string) => void lines.push(l) } });
    const omni = await startOmniSimulator({ logger });
    try {
      omni.registerProvider("proxmox");
      const keyString = await omni.mintProviderKey("proxmox");
      const account = await parseServiceAccountKey(keyString);
      const sentSignatures: string[] = [];
      const onSigned = (h: Headers) => sentSignatures.push(h.get("x-sidero-signature")!.split(" ")[3]!);
      await grpcClient(State, omni.url, account, { onSigned }).get(GET);
      const tampered = grpcClient(State, omni.url, account, { onSigned, tamper: (p) => p.replace("Get", "Got") });
      const skewed = grpcClient(State, omni.url, account, { onSigned, timestamp: 1 });
      const errors = [await rejected(tampered.get(GET)), await rejected(skewed.get(GET))];
      const texts = [...lines, ...errors.map((e) => `${e.message} ${String(e.cause ?? "")}`)].join("\n");
      const pgp = JSON.parse(Buffer.from(keyString, "base64").toString()).pgp_key as string;
      assert.ok(
        lines.some((l) => l.includes("rejected call")),
        "the rejections were logged",
      );
      assert.equal(sentSignatures.length, 3);
      assert.ok(!texts.includes(keyString), "key string");
      for (const line of pgp.split("\n").filter((l) => l.length > 40)) assert.ok(!texts.includes(line), "key material");
      for (const sig of sentSignatures) assert.ok(!texts.includes(sig), "signature");
      assert.ok(!texts.includes("siderov1"), "signature header");
    } finally {
      await omni.close();
    }
  });
});
