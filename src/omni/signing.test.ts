import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createMessage, enums, readKey, readSignature, verify } from "openpgp";
import { parseServiceAccountKey, type ServiceAccountKey } from "./key.ts";
import { generateServiceAccountKey } from "./keygen.ts";
import { buildSignaturePayload, signRequestHeaders } from "./signing.ts";

// The exact bytes of omni-protocol.md §2.2 for a provider call at 2026-01-01T00:00:00Z.
const SPEC_EXAMPLE =
  '{"headers":{"authorization":null,"cluster":null,"context":null,"fieldSelectors":null,"namespace":null,' +
  '"nodes":null,"runtime":null,"selectors":null,"uid":null,"x-sidero-timestamp":["1767225600"]},' +
  '"method":"/cosi.resource.State/Get"}';

describe("signing", () => {
  let key: ServiceAccountKey;
  let publicKeyArmored: string;
  before(async () => {
    const generated = await generateServiceAccountKey({ providerId: "proxmox", ttlSeconds: 3600 });
    publicKeyArmored = generated.publicKeyArmored;
    key = await parseServiceAccountKey(generated.text);
  });

  it("builds the payload of §2.2 byte for byte", () => {
    const headers = new Headers({ "x-sidero-timestamp": "1767225600" });
    assert.equal(buildSignaturePayload("/cosi.resource.State/Get", headers), SPEC_EXAMPLE);
  });

  it("uses arrays for present headers and null (never []) for absent ones, case-insensitively", () => {
    const headers = new Headers({ "X-Sidero-Timestamp": "1", Runtime: "Talos" });
    const parsed = JSON.parse(buildSignaturePayload("/m.S/X", headers)) as { headers: Record<string, unknown> };
    assert.deepEqual(parsed.headers.runtime, ["Talos"]);
    assert.deepEqual(parsed.headers["x-sidero-timestamp"], ["1"]);
    assert.equal(parsed.headers.nodes, null);
    assert.deepEqual(Object.keys(parsed.headers), [...Object.keys(parsed.headers)].sort());
  });

  it("escapes like Go's JSON encoder", () => {
    const payload = buildSignaturePayload("/a<b>&c", new Headers());
    assert.ok(payload.endsWith('"method":"/a\\u003cb\\u003e\\u0026c"}'));
  });

  it("sets timestamp, payload and a siderov1 signature verifiable with the public key", async () => {
    const now = new Date((Math.floor(Date.now() / 1000) + 60) * 1000);
    const headers = new Headers({ "x-sidero-payload": "stale", "x-sidero-signature": "stale" });
    await signRequestHeaders(key, "/cosi.resource.State/List", headers, now);
    assert.equal(headers.get("x-sidero-timestamp"), String(now.getTime() / 1000));
    const payload = headers.get("x-sidero-payload")!;
    assert.equal(
      payload,
      buildSignaturePayload(
        "/cosi.resource.State/List",
        new Headers({ "x-sidero-timestamp": String(now.getTime() / 1000) }),
      ),
    );
    const fields = headers.get("x-sidero-signature")!.split(" ");
    assert.equal(fields.length, 4);
    assert.deepEqual(fields.slice(0, 3), ["siderov1", "infra-provider:proxmox", key.fingerprint]);
    const signature = await readSignature({ binarySignature: Buffer.from(fields[3]!, "base64") });
    const packet = signature.packets[0]!;
    assert.equal(packet.signatureType, enums.signature.binary);
    assert.equal(packet.hashAlgorithm, enums.hash.sha512);
    const result = await verify({
      message: await createMessage({ binary: new TextEncoder().encode(payload) }),
      signature,
      verificationKeys: await readKey({ armoredKey: publicKeyArmored }),
      date: now,
    });
    await result.signatures[0]!.verified; // throws when invalid
    const tampered = await verify({
      message: await createMessage({ binary: new TextEncoder().encode(payload.replace("List", "Get")) }),
      signature,
      verificationKeys: await readKey({ armoredKey: publicKeyArmored }),
      date: now,
    });
    await assert.rejects(tampered.signatures[0]!.verified);
  });
});

describe("signing with a key from a clock that runs ahead", () => {
  it("dates the signature at the key's creation instead of failing", async () => {
    const future = new Date(Date.now() + 30_000);
    const generated = await generateServiceAccountKey({ providerId: "ahead", created: future });
    const key = await parseServiceAccountKey(generated.text);
    const headers = new Headers();
    await signRequestHeaders(key, "/cosi.resource.State/Get", headers, new Date());
    const b64 = headers.get("x-sidero-signature")!.split(" ")[3]!;
    const signature = await readSignature({ binarySignature: Buffer.from(b64, "base64") });
    assert.equal(signature.packets[0]!.created?.getTime(), Math.floor(future.getTime() / 1000) * 1000);
  });
});
