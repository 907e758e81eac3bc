import assert from "node:assert/strict";
import { test } from "node:test";
import { cidataFileName, cidataPrefix, isoFileOf, isoVolumeId, talosIsoFileName, talosIsoPrefix } from "./index.ts";

test("file names carry the provider (our mark) and only characters Proxmox keeps", () => {
  assert.equal(
    talosIsoFileName("matrix-cluster", "abc123", "v1.11.6"),
    "omni-matrix-cluster-talos-abc123-v1.11.6-nocloud-amd64.iso",
  );
  assert.equal(
    talosIsoFileName("matrix-cluster", "abc123", "1.11.6"),
    talosIsoFileName("matrix-cluster", "abc123", "v1.11.6"),
  );
  assert.equal(cidataFileName("odd id", "req/1"), "omni-odd_id-cidata-req_1.iso");
  assert.ok(talosIsoFileName("p", "s", "1").startsWith(talosIsoPrefix("p")));
  assert.ok(cidataFileName("p", "r").startsWith(cidataPrefix("p")));
  assert.ok(!cidataFileName("p", "r").startsWith(talosIsoPrefix("p")));
});

test("ISO volume IDs", () => {
  assert.equal(isoVolumeId("local", "x.iso"), "local:iso/x.iso");
  assert.equal(isoFileOf("local:iso/x.iso"), "x.iso");
  assert.equal(isoFileOf("local-lvm:vm-100-disk-0"), undefined);
});
