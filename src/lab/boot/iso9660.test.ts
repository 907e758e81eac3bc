import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fakeIsoBytes } from "../factory/index.ts";
import { IsoImage, IsoReadError, readIsoVolumeId } from "./iso9660.ts";
import { buildTinyIso } from "./testing/tiny-iso.ts";

const userData = "apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: https://127.0.0.1:8090?jointoken=abc\n";
const files = { "user-data": userData, "meta-data": "instance-id: x\nlocal-hostname: x\n", "network-config": "" };

describe("IsoImage against a handmade image", () => {
  it("reads the volume ID, Rock Ridge names and file contents", () => {
    const iso = IsoImage.fromBuffer(buildTinyIso({ volumeId: "cidata", files }));
    assert.equal(iso.volumeId, "cidata");
    assert.equal(iso.systemId, "LINUX");
    assert.equal(iso.logicalBlockSize, 2048);
    assert.ok(iso.rockRidge);
    assert.deepEqual(
      iso.list().map((e) => [e.name, e.size]),
      [
        ["user-data", userData.length],
        ["meta-data", files["meta-data"].length],
        ["network-config", 0],
      ],
    );
    assert.equal(iso.readFile("/user-data").toString("utf8"), userData);
    assert.equal(iso.readFile("network-config").length, 0);
    assert.ok(iso.has("/meta-data"));
    assert.ok(!iso.has("/vendor-data"));
  });

  it("joins names split over NM entries and follows CE continuation areas", () => {
    const iso = IsoImage.fromBuffer(
      buildTinyIso({ volumeId: "cidata", files, splitNames: true, continuedNames: ["meta-data"] }),
    );
    assert.deepEqual(
      iso.list().map((e) => e.name),
      ["user-data", "meta-data", "network-config"],
    );
    assert.match(iso.readFile("/meta-data").toString("utf8"), /instance-id: x/);
  });

  it("falls back to 8.3 names without Rock Ridge (so user-data is not found)", () => {
    const iso = IsoImage.fromBuffer(buildTinyIso({ volumeId: "CIDATA", files, rockRidge: false }));
    assert.equal(iso.rockRidge, false);
    assert.deepEqual(
      iso.list().map((e) => e.name),
      ["USER_D0", "META_D1", "NETWOR2"],
    );
    assert.throws(
      () => iso.readFile("/user-data"),
      (err: unknown) => err instanceof IsoReadError && err.code === "not_found" && /USER_D0/.test(err.message),
    );
  });

  it("reads the volume ID of the lab factory's stub Talos image (no root directory, no terminator)", () => {
    const iso = IsoImage.fromBuffer(Buffer.from(fakeIsoBytes("376567", "v1.11.6", "nocloud-amd64.iso")));
    assert.equal(iso.volumeId, "TALOS v1.11.6");
    assert.equal(iso.rockRidge, false);
    assert.throws(
      () => iso.list(),
      (err: unknown) => err instanceof IsoReadError && err.code === "not_iso",
    );
  });

  it("rejects what is not an ISO, and truncated images", () => {
    assert.throws(
      () => IsoImage.fromBuffer(Buffer.alloc(40 * 2048)),
      (err: unknown) => err instanceof IsoReadError && err.code === "not_iso",
    );
    assert.throws(
      () => IsoImage.fromBuffer(Buffer.alloc(1000)),
      (err: unknown) => err instanceof IsoReadError && err.code === "truncated",
    );
    const image = buildTinyIso({ volumeId: "cidata", files });
    const iso = IsoImage.fromBuffer(image.subarray(0, 19 * 2048));
    assert.throws(
      () => iso.readFile("/user-data"),
      (err: unknown) => err instanceof IsoReadError && err.code === "truncated",
    );
  });
});

describe("IsoImage against xorriso output", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab-iso-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const xorriso = hasXorriso();

  it("reads a cidata image built by `xorriso -as mkisofs -R -V cidata`", {
    skip: xorriso ? false : "xorriso not installed (apt-get install xorriso)",
  }, () => {
    const source = join(dir, "src");
    execFileSync("mkdir", ["-p", source]);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(source, name), content);
    // A long name forces Rock Ridge (the ISO level-1 name is mangled).
    writeFileSync(join(source, "a-rather-long-file-name.yaml"), "x: 1\n");
    const out = join(dir, "cidata.iso");
    execFileSync("xorriso", ["-as", "mkisofs", "-R", "-V", "cidata", "-o", out, source], { stdio: "ignore" });
    assert.equal(readIsoVolumeId(out), "cidata");
    IsoImage.withFile(out, (iso) => {
      assert.ok(iso.rockRidge);
      assert.deepEqual(
        iso
          .list()
          .map((e) => e.name)
          .sort(),
        ["a-rather-long-file-name.yaml", "meta-data", "network-config", "user-data"],
      );
      assert.equal(iso.readFile("/user-data").toString("utf8"), userData);
    });
  });
});

function hasXorriso(): boolean {
  try {
    execFileSync("xorriso", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
