/**
 * Acceptance 4: 30 requests of one machine request set placed and created in parallel on the
 * 3-node matrix cluster (64 GiB each, overcommit 0.9 → 57.6 GiB committable; foxtrot already commits
 * 4 GiB to an unrelated VM). 6 GiB each: 9 fit on golf, 9 on hotel, 8 on foxtrot; the other 4 wait with
 * "insufficient memory". No VMID collision, no duplicate VM, the set spread evenly, and committed
 * memory per node never above node memory × overcommit.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isProvisioned, ourVms, requestMachine, startWorld, statuses, type World, waitFor } from "./harness.ts";

const COUNT = 30;
const FITTING = 26;
const GIB = 1024 ** 3;
const DATA = ["cores: 2", "memory: 6144", "disk_size: 10", 'storage_selector: name == "vm_ssd"'].join("\n");

describe("30 parallel requests on 3 nodes", () => {
  let world: World;
  let ids: string[];
  before(async () => {
    world = await startWorld({ concurrency: 10, overcommit: { memory: 0.9, cpu: 4, storage: 1 } });
    ids = Array.from({ length: COUNT }, (_, i) =>
      requestMachine(world, `load-workers-${String(i).padStart(6, "b")}`, DATA, "load-workers"),
    );
    await waitFor(
      `${FITTING} provisioned, ${COUNT - FITTING} waiting for memory`,
      () => {
        const s = statuses(world);
        const done = ids.filter((id) => isProvisioned(world, id)).length;
        const waiting = ids.filter(
          (id) => s[id]?.stage !== "PROVISIONED" && /committed memory/.test(s[id]?.error ?? ""),
        ).length;
        return done === FITTING && waiting === COUNT - FITTING;
      },
      world,
      110_000,
    );
  });
  after(async () => {
    await world?.close();
  });

  test("one VM per placed request, no VMID used twice", () => {
    const vms = ourVms(world);
    assert.equal(vms.length, FITTING);
    assert.equal(new Set(vms.map((vm) => vm.vmid)).size, FITTING);
    assert.equal(new Set(vms.map((vm) => vm.config.name)).size, FITTING);
  });

  test("the set is spread: node counts differ by at most one", () => {
    const perNode = new Map<string, number>();
    for (const vm of ourVms(world)) perNode.set(vm.node, (perNode.get(vm.node) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...perNode].sort()), { foxtrot: 8, golf: 9, hotel: 9 });
  });

  test("committed memory per node stays within node memory × overcommit", () => {
    const snapshot = world.pve.admin.snapshot();
    for (const node of ["foxtrot", "golf", "hotel"]) {
      const committed = snapshot.vms
        .filter((vm) => vm.node === node)
        .reduce((sum, vm) => sum + Number.parseInt(String(vm.config.memory), 10) * 1024 ** 2, 0);
      assert.ok(committed <= 64 * GIB * 0.9, `${node}: ${committed / GIB} GiB committed`);
    }
  });
});
