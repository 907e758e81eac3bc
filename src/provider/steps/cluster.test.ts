import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterView } from "./cluster.ts";
import { hasProviderTags, hasRequestTags, placementSnapshot, requestTagOf } from "./cluster.ts";
import { DEFAULT_STEP_TIMING, failureDelay } from "./deps.ts";

const view: ClusterView = {
  nodes: [{ type: "node", id: "node/golf", node: "golf", status: "online", maxcpu: 16, maxmem: 64, mem: 8, cpu: 0.1 }],
  vms: [
    {
      type: "qemu",
      id: "qemu/100",
      vmid: 100,
      node: "golf",
      status: "running",
      maxmem: 4,
      maxcpu: 2,
      tags: "unrelated",
    },
    {
      type: "qemu",
      id: "qemu/501",
      vmid: 501,
      node: "golf",
      status: "running",
      maxmem: 8,
      maxcpu: 4,
      tags: "omni-proxmox;omni-provider.matrix;omni-request.r1",
    },
    {
      type: "qemu",
      id: "qemu/502",
      vmid: 502,
      node: "golf",
      status: "running",
      maxmem: 8,
      maxcpu: 4,
      tags: "omni-proxmox;omni-provider.other;omni-request.r2",
    },
  ],
  storages: [
    {
      type: "storage",
      id: "storage/golf/local",
      storage: "local",
      node: "golf",
      status: "available",
      plugintype: "dir",
      content: "iso,vztmpl",
      shared: 0,
      disk: 10,
      maxdisk: 100,
    },
    {
      type: "storage",
      id: "storage/golf/gone",
      storage: "gone",
      node: "golf",
      status: "unknown",
      plugintype: "nfs",
      content: "iso",
      shared: 1,
      disk: 0,
      maxdisk: 0,
    },
  ],
};

test("tags tell our VMs apart by provider and request", () => {
  const [unrelated, ours, other] = view.vms;
  assert.equal(hasProviderTags(unrelated ?? {}, "matrix"), false);
  assert.equal(hasRequestTags(ours ?? {}, "matrix", "r1"), true);
  assert.equal(hasRequestTags(ours ?? {}, "matrix", "r2"), false);
  assert.equal(requestTagOf(other ?? {}, "matrix"), undefined, "another provider's VM is not ours");
  assert.equal(requestTagOf(ours ?? {}, "matrix"), "r1");
});

test("the placement snapshot gives our VMs their set and role from the reservations", () => {
  const snapshot = placementSnapshot(view, "matrix", [
    {
      requestId: "r1",
      machineRequestSetId: "c-control-planes",
      role: "control-plane",
      node: "golf",
      memoryBytes: 8,
      vcpus: 4,
      volumes: [],
    },
  ]);
  const vm = snapshot.vms.find((v) => v.vmid === 501);
  assert.equal(vm?.requestId, "r1");
  assert.equal(vm?.role, "control-plane");
  assert.equal(snapshot.vms.find((v) => v.vmid === 502)?.requestId, undefined);
  const local = snapshot.storages.find((s) => s.storage === "local");
  assert.deepEqual(local && { avail: local.avail, active: local.active, content: local.content }, {
    avail: 90,
    active: true,
    content: ["iso", "vztmpl"],
  });
  assert.equal(
    snapshot.storages.find((s) => s.storage === "gone")?.active,
    false,
    "an unavailable storage is no candidate",
  );
});

test("failure delays grow and are capped", () => {
  const t = { ...DEFAULT_STEP_TIMING, failRetryMs: 100, maxRetryMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => failureDelay(t, n)),
    [100, 200, 400, 800, 1_000],
  );
});
