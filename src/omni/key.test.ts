import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateKey } from "openpgp";
import { parseServiceAccountKey, ServiceAccountKeyError } from "./key.ts";
import { generateServiceAccountKey } from "./keygen.ts";

function encodeKey(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString("base64");
}

async function expectKeyError(text: string, code: ServiceAccountKeyError["code"], mention: RegExp): Promise<void> {
  await assert.rejects(parseServiceAccountKey(text), (e: unknown) => {
    assert.ok(e instanceof ServiceAccountKeyError);
    assert.equal(e.code, code);
    assert.match(e.message, mention);
    return true;
  });
}

describe("parseServiceAccountKey", () => {
  it("parses an omnictl-format infra-provider key", async () => {
    const { text } = await generateServiceAccountKey({ providerId: "proxmox", ttlSeconds: 3600 });
    const key = await parseServiceAccountKey(`${text}\n`);
    assert.equal(key.name, "infra-provider:proxmox");
    assert.equal(key.providerId, "proxmox");
    assert.equal(key.identity, "proxmox@infra-provider.serviceaccount.omni.sidero.dev");
    assert.match(key.fingerprint, /^[0-9a-f]{40}$/);
    assert.equal(key.privateKey.getAlgorithmInfo().algorithm, "eddsaLegacy");
    assert.equal(key.privateKey.getSubkeys()[0]?.getAlgorithmInfo().algorithm, "ecdh");
    assert.ok(key.expiresAt && key.expiresAt.getTime() > Date.now());
  });

  it("takes the provider ID from the e-mail when the name is not infra-provider:<id>", async () => {
    const { text } = await generateServiceAccountKey({ providerId: "pve2" });
    const json = JSON.parse(Buffer.from(text, "base64").toString()) as { pgp_key: string };
    const key = await parseServiceAccountKey(encodeKey({ name: "custom-name", pgp_key: json.pgp_key }));
    assert.equal(key.providerId, "pve2");
    assert.equal(key.name, "custom-name");
  });

  it("refuses malformed keys, naming the problem", async () => {
    await expectKeyError("", "key_malformed", /empty/);
    await expectKeyError("not base64!", "key_malformed", /base64/);
    await expectKeyError(Buffer.from("{nope").toString("base64"), "key_malformed", /JSON/);
    await expectKeyError(encodeKey({ pgp_key: "x" }), "key_malformed", /"name"/);
    await expectKeyError(encodeKey({ name: "infra-provider:x" }), "key_malformed", /"pgp_key"/);
    await expectKeyError(encodeKey({ name: "infra-provider:x", pgp_key: "garbage" }), "key_malformed", /armored/);
  });

  it("refuses an expired key", async () => {
    const created = new Date(Date.now() - 2 * 3600_000);
    const { text } = await generateServiceAccountKey({ providerId: "old", ttlSeconds: 3600, created });
    await expectKeyError(text, "key_expired", /expired at .*renewkey/);
  });

  it("refuses a passphrase-protected key", async () => {
    const { privateKey } = await generateKey({
      type: "ecc",
      curve: "ed25519Legacy",
      userIDs: [{ name: "p", email: "p@infra-provider.serviceaccount.omni.sidero.dev" }],
      passphrase: "secret-pass",
      format: "armored",
    });
    await expectKeyError(encodeKey({ name: "infra-provider:p", pgp_key: privateKey }), "key_encrypted", /passphrase/);
  });

  it("refuses a key that is not an infra-provider key", async () => {
    const { privateKey } = await generateKey({
      type: "ecc",
      curve: "ed25519Legacy",
      userIDs: [{ name: "u", email: "u@serviceaccount.omni.sidero.dev" }],
      format: "armored",
    });
    await expectKeyError(encodeKey({ name: "automation", pgp_key: privateKey }), "key_malformed", /infra-provider/);
  });

  it("never puts key material into error messages", async () => {
    const { text } = await generateServiceAccountKey({ providerId: "leak", ttlSeconds: 1, created: new Date(0) });
    const armored = (JSON.parse(Buffer.from(text, "base64").toString()) as { pgp_key: string }).pgp_key;
    await assert.rejects(parseServiceAccountKey(text), (e: Error) => {
      assert.ok(!e.message.includes(text));
      assert.ok(!e.message.includes(armored.split("\n")[3] ?? "unreachable"));
      return true;
    });
  });
});
