import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProxmoxError } from "./errors.ts";
import type { VmResource } from "./types.ts";
import { createVmWithFreshVmid, VmidAllocator, type VmidClient } from "./vmid.ts";

/** An in-memory cluster: ids in `taken` exist; `hidden` exist but are invisible in /cluster/resources. */
function cluster(taken: number[], hidden: number[] = []) {
  const ids = new Set([...taken, ...hidden]);
  const visible = new Set(taken);
  const client: VmidClient & { createVm(node: string, p: { vmid: number }): Promise<string> } = {
    async nextId() {
      let n = 100;
      while (ids.has(n)) n++;
      return n;
    },
    async isVmidFree(vmid: number) {
      await Promise.resolve();
      return !ids.has(vmid);
    },
    async clusterResources() {
      return [...visible].map((vmid) => ({ vmid }) as VmResource) as never;
    },
    async createVm(_node, p) {
      await Promise.resolve();
      if (ids.has(p.vmid)) throw new ProxmoxError("already_exists", `VM ${p.vmid} already exists`);
      ids.add(p.vmid);
      return `UPID:n:00000001:00000001:00000001:qmcreate:${p.vmid}:u@pve:`;
    },
  };
  return { client, ids };
}

describe("VmidAllocator", () => {
  it("hands out distinct ids to concurrent callers and skips hidden taken ids", async () => {
    const { client } = cluster([100, 101], [102]);
    const allocator = new VmidAllocator(client);
    const leases = await Promise.all(Array.from({ length: 5 }, () => allocator.reserve()));
    assert.deepEqual(
      leases.map((l) => l.vmid).sort((a, b) => a - b),
      [103, 104, 105, 106, 107],
    );
    assert.equal(allocator.reserved.size, 5);
    for (const l of leases) l.release();
    assert.equal(allocator.reserved.size, 0);
  });

  it("allocates inside a range and reports exhaustion as conflict", async () => {
    const { client } = cluster([500]);
    const allocator = new VmidAllocator(client, { range: { min: 500, max: 502 } });
    const a = await allocator.reserve();
    const b = await allocator.reserve();
    assert.deepEqual([a.vmid, b.vmid], [501, 502]);
    await assert.rejects(allocator.reserve(), (e) => e instanceof ProxmoxError && e.code === "conflict");
  });

  it("retries create with the next id when another process took it", async () => {
    const { client, ids } = cluster([]);
    const allocator = new VmidAllocator(client, { range: { min: 900, max: 999 } });
    // Another process grabs 900 between our probe and our create.
    const racing = {
      createVm: async (node: string, p: { vmid: number }) => {
        if (p.vmid === 900) ids.add(900);
        return client.createVm(node, p);
      },
    };
    const result = await createVmWithFreshVmid(racing, allocator, "n", (vmid) => ({ vmid }));
    assert.equal(result.vmid, 901);
    assert.equal(allocator.reserved.size, 0);
  });

  it("passes other create errors through unchanged", async () => {
    const { client } = cluster([]);
    const allocator = new VmidAllocator(client);
    const failing = { createVm: async () => Promise.reject(new ProxmoxError("permission_denied", "no")) };
    await assert.rejects(
      createVmWithFreshVmid(failing, allocator, "n", (vmid) => ({ vmid })),
      (e) => e instanceof ProxmoxError && e.code === "permission_denied",
    );
    assert.equal(allocator.reserved.size, 0);
  });
});
