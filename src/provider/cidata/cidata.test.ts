import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { buildCidataIso, CIDATA_VOLUME_ID, nocloudMetaData, nocloudNetworkConfig, SECTOR_SIZE } from "./index.ts";
import { readIso } from "./testing/read-iso.ts";

const xorrisoSkip =
  spawnSync("xorriso", ["-version"]).error === undefined
    ? false
    : "xorriso is not installed (apt-get install -y xorriso); CI installs it";

const workDir = mkdtempSync(join(tmpdir(), "cidata-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

const createdAt = new Date("2026-11-24T03:00:00Z");
const joinConfig = [
  "apiVersion: v1alpha1",
  "kind: SideroLinkConfig",
  "apiUrl: https://omni.example.org:8090?jointoken=abc",
  "---",
  "apiVersion: v1alpha1",
  "kind: EventSinkConfig",
  "endpoint: '[fdae:41e4:649b:9303::1]:8090'",
  "",
].join("\n");
const metaData = nocloudMetaData({
  instanceId: "8c5e3f0e-1d2a-4b7c-9e10-0f1e2d3c4b5a",
  hostname: "talos-prod-01-cp-1",
});
const networkConfig = nocloudNetworkConfig({
  interfaces: [{ mac: "BC:24:11:0A:1B:2C", addresses: ["10.0.20.31/24"], gateways: ["10.0.20.1"] }],
  nameservers: ["10.0.20.1"],
});

describe("buildCidataIso", () => {
  test("a Rock Ridge volume labelled cidata with user-data and meta-data", () => {
    const parsed = readIso(buildCidataIso({ userData: joinConfig, metaData, createdAt }));
    assert.equal(parsed.volumeId, CIDATA_VOLUME_ID);
    assert.deepEqual(parsed.descriptorTypes, [1, 255], "no Joliet descriptor");
    assert.equal(parsed.rockRidge, true);
    const files = new Map(parsed.entries.map((entry) => [entry.name, new TextDecoder().decode(entry.data)]));
    assert.deepEqual([...files.keys()].sort(), ["meta-data", "user-data"]);
    assert.equal(files.get("user-data"), joinConfig);
    assert.equal(files.get("meta-data"), metaData);
  });

  test("network-config and vendor-data only when given", () => {
    const parsed = readIso(
      buildCidataIso({ userData: joinConfig, metaData, networkConfig, vendorData: "#cloud-config\n", createdAt }),
    );
    assert.deepEqual(parsed.entries.map((entry) => entry.name).sort(), [
      "meta-data",
      "network-config",
      "user-data",
      "vendor-data",
    ]);
  });

  test("carries 150 sectors of trailing padding like genisoimage images", () => {
    const image = buildCidataIso({ userData: joinConfig, metaData, createdAt });
    const parsed = readIso(image);
    const lastData = Math.max(...parsed.entries.map((entry) => entry.data.length));
    assert.ok(lastData > 0);
    assert.ok(image.length >= 150 * SECTOR_SIZE);
    assert.ok(image.subarray(image.length - 150 * SECTOR_SIZE).every((byte) => byte === 0));
  });

  test("xorriso extracts the exact join config, meta-data and network-config", { skip: xorrisoSkip }, () => {
    const isoPath = join(workDir, "user-data-101.iso");
    const userData = new TextEncoder().encode(joinConfig);
    writeFileSync(isoPath, buildCidataIso({ userData, metaData, networkConfig, createdAt }));
    const target = join(workDir, "out");
    const result = spawnSync("xorriso", ["-indev", isoPath, "-osirrox", "on", "-extract", "/", target], {
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(join(target, "user-data"))), userData);
    assert.equal(readFileSync(join(target, "meta-data"), "utf8"), metaData);
    assert.equal(readFileSync(join(target, "network-config"), "utf8"), networkConfig);
  });
});
