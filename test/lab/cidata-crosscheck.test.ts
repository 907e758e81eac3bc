/**
 * The provider's cidata writer read back by the lab's independent ISO reader: what Talos would see in
 * the image the provider uploads. (The lab code never imports the writer; only this test joins them.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IsoImage } from "../../src/lab/boot/iso9660.ts";
import { readJoinConfig } from "../../src/lab/boot/join-config.ts";
import { buildCidataIso } from "../../src/provider/cidata/index.ts";

const userData =
  "apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://127.0.0.1:8099?jointoken=v2%3AeyJ4IjoieSJ9\n";

describe("provider cidata image, read by the lab", () => {
  it("has volume ID cidata, Rock Ridge names and the exact file contents", () => {
    const bytes = buildCidataIso({
      userData,
      metaData: "instance-id: 8d1f2c44\nlocal-hostname: talos-prod-01-workers-bcdfgh\n",
      networkConfig: "version: 2\n",
      vendorData: "",
      createdAt: new Date("2026-01-01T00:00:00Z"),
    });
    const iso = IsoImage.fromBuffer(Buffer.from(bytes));
    assert.equal(iso.volumeId, "cidata");
    assert.ok(iso.rockRidge, "Rock Ridge names present");
    assert.deepEqual(
      iso
        .list()
        .map((e) => e.name)
        .sort(),
      ["meta-data", "network-config", "user-data", "vendor-data"],
    );
    assert.equal(iso.readFile("/user-data").toString("utf8"), userData);
    assert.match(iso.readFile("/meta-data").toString("utf8"), /local-hostname: talos-prod-01-workers-bcdfgh/);
    assert.equal(iso.readFile("/network-config").toString("utf8"), "version: 2\n");
    assert.equal(iso.readFile("/vendor-data").length, 0);
    const join = readJoinConfig(iso.readFile("/user-data").toString("utf8"));
    assert.deepEqual(join.ok && join.joinToken, "v2:eyJ4IjoieSJ9");
  });
});
