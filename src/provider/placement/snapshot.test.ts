import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ClusterResource, snapshotFromClusterResources, splitTags } from "./snapshot.ts";

const GIB = 1024 ** 3;

const resources: ClusterResource[] = [
  {
    type: "node",
    id: "node/foxtrot",
    node: "foxtrot",
    status: "online",
    maxcpu: 16,
    maxmem: 64 * GIB,
    mem: 20 * GIB,
    cpu: 0.12,
  },
  { type: "node", id: "node/golf", node: "golf", status: "offline" },
  {
    type: "qemu",
    id: "qemu/101",
    node: "foxtrot",
    vmid: 101,
    maxmem: 8 * GIB,
    maxcpu: 4,
    template: 0,
    tags: "omni;req-abc;set-cp",
  },
  { type: "qemu", id: "qemu/9000", node: "foxtrot", vmid: 9000, maxmem: 2 * GIB, maxcpu: 2, template: 1 },
  { type: "lxc", id: "lxc/200", node: "foxtrot", vmid: 200, maxmem: 1 * GIB, maxcpu: 1 },
  {
    type: "storage",
    id: "storage/foxtrot/vm_ssd",
    node: "foxtrot",
    storage: "vm_ssd",
    plugintype: "rbd",
    content: "images,rootdir",
    shared: 1,
    status: "available",
    disk: 100 * GIB,
    maxdisk: 1000 * GIB,
  },
  {
    type: "storage",
    id: "storage/foxtrot/nfs",
    node: "foxtrot",
    storage: "nfs",
    plugintype: "nfs",
    content: "iso",
    shared: 1,
    status: "unknown",
  },
  { type: "pool", id: "/pool/talos" },
];

describe("snapshotFromClusterResources", () => {
  const snapshot = snapshotFromClusterResources(resources, (tags) =>
    tags.includes("omni")
      ? {
          requestId: tags.find((t) => t.startsWith("req-"))?.slice(4),
          machineRequestSetId: tags.find((t) => t.startsWith("set-"))?.slice(4),
        }
      : {},
  );

  it("maps nodes, keeping offline ones (placement rejects them)", () => {
    assert.deepEqual(snapshot.nodes, [
      { name: "foxtrot", status: "online", maxcpu: 16, maxmem: 64 * GIB, mem: 20 * GIB, cpu: 0.12, tags: [] },
      { name: "golf", status: "offline", maxcpu: 0, maxmem: 0, mem: 0, cpu: 0, tags: [] },
    ]);
  });

  it("maps VMs and containers with configured sizes, templates and our marks", () => {
    assert.deepEqual(snapshot.vms, [
      {
        vmid: 101,
        node: "foxtrot",
        maxmem: 8 * GIB,
        maxcpu: 4,
        template: false,
        requestId: "abc",
        machineRequestSetId: "cp",
      },
      { vmid: 9000, node: "foxtrot", maxmem: 2 * GIB, maxcpu: 2, template: true },
      { vmid: 200, node: "foxtrot", maxmem: 1 * GIB, maxcpu: 1, template: false },
    ]);
  });

  it("maps storages per node; unknown status is neither active nor enabled", () => {
    assert.deepEqual(snapshot.storages, [
      {
        storage: "vm_ssd",
        node: "foxtrot",
        type: "rbd",
        content: ["images", "rootdir"],
        shared: true,
        active: true,
        enabled: true,
        avail: 900 * GIB,
        total: 1000 * GIB,
        used: 100 * GIB,
      },
      {
        storage: "nfs",
        node: "foxtrot",
        type: "nfs",
        content: ["iso"],
        shared: true,
        active: false,
        enabled: false,
        avail: 0,
        total: 0,
        used: 0,
      },
    ]);
  });

  it("splits Proxmox tag lists", () => {
    assert.deepEqual(splitTags("a;b,c d"), ["a", "b", "c", "d"]);
    assert.deepEqual(splitTags(undefined), []);
  });
});
