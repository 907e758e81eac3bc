import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findLeftovers } from "./leftovers.ts";

describe("findLeftovers", () => {
  it("lists VMs and volumes that were not there before", () => {
    const before = {
      vms: [{ vmid: 100, node: "foxtrot", status: "running", config: {} }],
      volumes: [{ volid: "local:iso/talos.iso", storage: "local", node: "foxtrot", content: "iso", size: 1 }],
    };
    const after = {
      vms: [...before.vms, { vmid: 101, node: "golf", status: "stopped", config: { name: "req-1" } }],
      volumes: [
        ...before.volumes,
        // Same volid on another node is another volume.
        { volid: "local:iso/talos.iso", storage: "local", node: "golf", content: "iso", size: 1 },
        { volid: "vm_ssd:vm-101-disk-0", storage: "vm_ssd", content: "images", size: 1 },
      ],
    };
    assert.deepEqual(findLeftovers(before, after), {
      vms: [{ vmid: 101, node: "golf", name: "req-1" }],
      volumes: [{ volid: "local:iso/talos.iso", node: "golf" }, { volid: "vm_ssd:vm-101-disk-0" }],
    });
    assert.deepEqual(findLeftovers(after, before), { vms: [], volumes: [] });
  });
});
