/**
 * VMID allocation under concurrency: 50 creates through naive `nextid` collide in the simulator (as on
 * real Proxmox); through VmidAllocator + createVmWithFreshVmid they all succeed with distinct VMIDs, also
 * inside a configured range and with two independent allocators (two "processes") racing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createVmWithFreshVmid, isProxmoxError, type ProxmoxClient, VmidAllocator } from "../../src/proxmox/index.ts";
import { assertConformant, type Harness, startHarness } from "./harness.ts";

const NODE = "foxtrot";
const N = 50;

const vmParams = (vmid: number) => ({ vmid, name: `race-${vmid}`, memory: "512" });

describe("VMID allocation under concurrency", () => {
  let h: Harness;
  let pve: ProxmoxClient;

  before(async () => {
    h = await startHarness();
    pve = h.client("caFile", "provider", { connections: 64 });
  });
  after(() => h.close());

  it("naive nextid + create collides", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: N }, async () => {
        const vmid = await pve.nextId();
        return { vmid, upid: await pve.createVm(NODE, vmParams(vmid)) };
      }),
    );
    const failures = results.filter((r) => r.status === "rejected");
    assert.ok(failures.length > 0, "expected collisions through naive nextid");
    for (const f of failures) assert.ok(isProxmoxError(f.reason, "already_exists"), String(f.reason));
    const created = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    await Promise.all(created.map((c) => pve.waitForTask(c.upid)));
  });

  it("the allocator gives 50 concurrent creators distinct VMIDs and all succeed", async () => {
    const allocator = new VmidAllocator(pve);
    const created = await Promise.all(
      Array.from({ length: N }, () => createVmWithFreshVmid(pve, allocator, NODE, vmParams)),
    );
    const ids = created.map((c) => c.vmid);
    assert.equal(new Set(ids).size, N);
    await Promise.all(created.map((c) => pve.waitForTask(c.upid)));
    assert.equal(allocator.reserved.size, 0, "every reservation released");
  });

  it("stays inside a configured range and reports exhaustion as conflict", async () => {
    const allocator = new VmidAllocator(pve, { range: { min: 5000, max: 5000 + N - 1 } });
    const created = await Promise.all(
      Array.from({ length: N }, () => createVmWithFreshVmid(pve, allocator, NODE, vmParams)),
    );
    const ids = created.map((c) => c.vmid).sort((a, b) => a - b);
    assert.equal(new Set(ids).size, N);
    assert.ok(ids.every((id) => id >= 5000 && id < 5000 + N));
    await Promise.all(created.map((c) => pve.waitForTask(c.upid)));
    await assert.rejects(createVmWithFreshVmid(pve, allocator, NODE, vmParams), (e) => isProxmoxError(e, "conflict"));
  });

  it("two independent allocators racing for one range both succeed (create is the arbiter)", async () => {
    const other = h.client("fingerprint", "provider", { connections: 64 });
    const range = { min: 7000, max: 7999 };
    const a = new VmidAllocator(pve, { range });
    const b = new VmidAllocator(other, { range });
    // Slow probes make both allocators see the same ids free before either creates (as two busy
    // providers would): the collision is then certain, not a matter of scheduling.
    h.sim.admin.injectFault({ endpoint: "/cluster/nextid", latencyMs: 15 });
    const created = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        i % 2 === 0
          ? createVmWithFreshVmid(pve, a, NODE, vmParams)
          : createVmWithFreshVmid(other, b, NODE, vmParams, { maxAttempts: 60 }),
      ),
    );
    h.sim.admin.clearFaults();
    assert.equal(new Set(created.map((c) => c.vmid)).size, N);
    const lost = h.records.filter((r) => r.method === "POST" && r.path === `/nodes/${NODE}/qemu` && r.status === 500);
    assert.ok(lost.length > 0, "the allocators did collide and recovered");
  });

  it("validates the range", () => {
    assert.throws(
      () => new VmidAllocator(pve, { range: { min: 50, max: 60 } }),
      (e) => isProxmoxError(e, "invalid_params"),
    );
    assert.throws(
      () => new VmidAllocator(pve, { range: { min: 900, max: 800 } }),
      (e) => isProxmoxError(e, "invalid_params"),
    );
  });

  it("sent only schema-valid requests", () => assertConformant(h));
});
