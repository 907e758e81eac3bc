/**
 * Certificate verification against the simulator's lab certificate: on by default, through `caFile` or
 * a `fingerprint` pin (any spelling), off only with `insecureSkipVerify`; wrong pins and CAs are refused.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rootCertificates } from "node:tls";
import { isProxmoxError, ProxmoxClient, type ProxmoxClientOptions } from "../../src/proxmox/index.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("TLS verification", () => {
  let h: Harness;
  let dir: string;
  let otherCa: string;

  before(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), "pve-tls-"));
    otherCa = join(dir, "other-ca.pem");
    writeFileSync(otherCa, rootCertificates[0] ?? "");
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client with only the given TLS settings (no caFile/fingerprint from the harness). */
  const bare = (tls: Partial<ProxmoxClientOptions>): ProxmoxClient =>
    h.client("caFile", "provider", { caFile: undefined, ...tls });

  it("verifies through caFile", async () => {
    assert.equal((await h.client("caFile").version()).release, "9.1");
  });

  it("verifies through the fingerprint in every spelling", async () => {
    const fp = h.sim.fingerprint;
    assert.match(fp, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    for (const spelling of [fp, fp.toLowerCase(), fp.replace(/:/g, ""), fp.replace(/:/g, "").toLowerCase()]) {
      assert.equal((await bare({ fingerprint: spelling }).version()).release, "9.1");
    }
  });

  it("rejects the self-signed lab certificate by default (system CAs)", async () => {
    await assert.rejects(bare({}).version(), (e) => isProxmoxError(e, "tls_failed"));
  });

  it("rejects a CA bundle that did not sign the certificate", async () => {
    await assert.rejects(bare({ caFile: otherCa }).version(), (e) => isProxmoxError(e, "tls_failed"));
  });

  it("rejects a wrong fingerprint, naming both fingerprints, without retrying", async () => {
    const wrong = h.sim.fingerprint.replace(/^../, h.sim.fingerprint.startsWith("00") ? "11" : "00");
    const before = h.records.length;
    await assert.rejects(bare({ fingerprint: wrong }).version(), (e) => {
      assert.ok(isProxmoxError(e, "tls_failed"));
      assert.ok(e.message.includes(wrong) && e.message.includes(h.sim.fingerprint));
      return true;
    });
    assert.equal(h.records.length - before, 1, "TLS failures are not retried");
  });

  it("requires both when caFile and fingerprint are given", async () => {
    const wrong = `00${h.sim.fingerprint.slice(2)}`;
    assert.equal((await bare({ caFile: h.sim.caFile, fingerprint: h.sim.fingerprint }).version()).release, "9.1");
    if (wrong !== h.sim.fingerprint) {
      await assert.rejects(bare({ caFile: h.sim.caFile, fingerprint: wrong }).version(), (e) =>
        isProxmoxError(e, "tls_failed"),
      );
    }
    await assert.rejects(bare({ caFile: otherCa, fingerprint: h.sim.fingerprint }).version(), (e) =>
      isProxmoxError(e, "tls_failed"),
    );
  });

  it("skips verification only when insecureSkipVerify is set", async () => {
    assert.equal((await bare({ insecureSkipVerify: true }).version()).release, "9.1");
  });

  it("refuses malformed settings when the client is built", () => {
    const base = { url: h.sim.url, tokenID: h.sim.tokens.provider.tokenId, tokenSecret: h.sim.tokens.provider.secret };
    assert.throws(
      () => new ProxmoxClient({ ...base, fingerprint: "AA:BB" }),
      (e) => isProxmoxError(e, "tls_failed"),
    );
    assert.throws(
      () => new ProxmoxClient({ ...base, caFile: join(dir, "missing.pem") }),
      (e) => isProxmoxError(e, "tls_failed"),
    );
  });
});
