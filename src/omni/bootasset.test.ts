import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { bootAssetFilename, buildBootAssetLocation, defaultPxeBase, normalizeTalosVersion } from "./bootasset.ts";
import { isOmniError } from "./errors.ts";

const ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const base = { talosVersion: "1.13.8", schematicId: ID, platform: "nocloud", architecture: "amd64" };

describe("boot asset URLs (omni-protocol.md §8.4)", () => {
  it("builds the nocloud ISO example on the default factory", () => {
    const loc = buildBootAssetLocation({ ...base, kind: "iso" });
    assert.equal(loc.url, `https://factory.talos.dev/image/${ID}/v1.13.8/nocloud-amd64.iso`);
    assert.equal(loc.imageFactoryHost, "factory.talos.dev");
  });

  it("adds v once, stripping any leading v", () => {
    const loc = buildBootAssetLocation({ ...base, talosVersion: "vv1.13.8", kind: "iso" });
    assert.match(loc.url, /\/v1\.13\.8\//);
  });

  it("names ISO, disk and PXE assets, with and without secure boot", () => {
    assert.equal(bootAssetFilename({ ...base, kind: "iso", secureBoot: true }), "nocloud-amd64-secureboot.iso");
    assert.equal(bootAssetFilename({ ...base, kind: "disk", format: "raw.xz" }), "nocloud-amd64.raw.xz");
    assert.equal(
      bootAssetFilename({ ...base, kind: "disk", format: "qcow2", secureBoot: true }),
      "nocloud-amd64-secureboot.qcow2",
    );
    assert.equal(bootAssetFilename({ ...base, platform: "metal", kind: "pxe" }), "metal-amd64");
  });

  it("puts PXE on the pxe. host of the factory unless a PXE base is given", () => {
    const pxe = buildBootAssetLocation(
      { ...base, platform: "metal", kind: "pxe" },
      { factoryBaseUrl: "https://factory.example.org/" },
    );
    assert.equal(pxe.url, `https://pxe.factory.example.org/pxe/${ID}/v1.13.8/metal-amd64`);
    assert.equal(pxe.imageFactoryHost, "pxe.factory.example.org");
    const custom = buildBootAssetLocation(
      { ...base, kind: "pxe" },
      { factoryBaseUrl: "https://f.example", pxeBaseUrl: "http://boot.example:8080" },
    );
    assert.equal(custom.url, `http://boot.example:8080/pxe/${ID}/v1.13.8/nocloud-amd64`);
    assert.equal(defaultPxeBase("http://127.0.0.1:9000"), "http://pxe.127.0.0.1:9000");
  });

  it("derives the storage key from base, prefix, schematic, version and file name", () => {
    const loc = buildBootAssetLocation(
      { ...base, kind: "disk", format: "qcow2" },
      { factoryBaseUrl: "https://f.example/" },
    );
    const expected = createHash("sha256")
      .update(`https://f.example\0image\0${ID}\0v1.13.8\0nocloud-amd64.qcow2`)
      .digest("hex");
    assert.equal(loc.storageKey, expected);
  });

  it("validates inputs, naming the field", () => {
    const bad: [Parameters<typeof buildBootAssetLocation>[0], RegExp][] = [
      [{ ...base, kind: "iso", platform: "" }, /platform/],
      [{ ...base, kind: "iso", architecture: "../x" }, /architecture/],
      [{ ...base, kind: "disk" }, /format/],
      [{ ...base, kind: "iso", schematicId: "a/b" }, /schematic ID/],
      [{ ...base, kind: "iso", talosVersion: "latest" }, /Talos version "latest"/],
      [{ ...base, kind: "iso", platform: ".." }, /platform/],
    ];
    for (const [spec, re] of bad) {
      assert.throws(
        () => buildBootAssetLocation(spec),
        (e) => isOmniError(e, "invalid") && re.test(e.message),
      );
    }
    assert.equal(normalizeTalosVersion("v1.9.0-beta.1"), "1.9.0-beta.1");
  });
});
