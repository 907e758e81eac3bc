import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cidataFileName,
  cidataPrefix,
  isoFileOf,
  isoVolumeId,
  isTalosIsoOf,
  talosIsoFileName,
  talosIsoPrefix,
} from "./index.ts";

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

test("a Talos ISO is ours by its full name, not by a prefix another provider ID can extend", () => {
  const schematic = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
  assert.ok(isTalosIsoOf("pve", talosIsoFileName("pve", schematic, "1.11.6")));
  assert.ok(isTalosIsoOf("pve", talosIsoFileName("pve", schematic, "v1.12.0-beta.0")));
  // Provider "pve-talos" shares the prefix "omni-pve-talos-" with provider "pve".
  assert.ok(talosIsoFileName("pve-talos", schematic, "1.11.6").startsWith(talosIsoPrefix("pve")));
  assert.ok(!isTalosIsoOf("pve", talosIsoFileName("pve-talos", schematic, "1.11.6")));
  assert.ok(!isTalosIsoOf("pve", cidataFileName("pve", "talos-prod-workers-1")));
  assert.ok(!isTalosIsoOf("pve", "omni-pve-talos-notes.iso"));
});
