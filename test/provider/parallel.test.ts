/**
 * Acceptance 4: 30 requests of one machine request set placed and created in parallel on the
 * 3-node matrix cluster: no VMID collision, no duplicate VM, the set spread evenly, and committed
 * memory per node never above node memory × overcommit.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { allProvisioned, ourVms, requestMachine, startWorld, type World, waitFor } from "./harness.ts";

const COUNT = 30;
const GIB = 1024 ** 3;
const DATA = ["cores: 2", "memory: 4096", "disk_size: 10", 'storage_selector: name == "vm_ssd"'].join("\n");

describe("30 parallel requests on 3 nodes", () => {
  let world: World;
  before(async () => {
    world = await startWorld({ concurrency: 10 });
    for (let i = 0; i < COUNT; i++)
      requestMachine(world, `load-workers-${String(i).padStart(6, "b")}`, DATA, "load-workers");
    await waitFor(`${COUNT} machines provisioned`, () => allProvisioned(world, COUNT), world, 120_000);
  });
  after(async () => {
    await world?.close();
  });

  test("one VM per request, no VMID used twice", () => {
    const vms = ourVms(world);
    assert.equal(vms.length, COUNT);
    assert.equal(new Set(vms.map((vm) => vm.vmid)).size, COUNT);
    assert.equal(new Set(vms.map((vm) => vm.config.name)).size, COUNT);
  });

  test("the set is spread: node counts differ by at most one", () => {
    const perNode = new Map<string, number>();
    for (const vm of ourVms(world)) perNode.set(vm.node, (perNode.get(vm.node) ?? 0) + 1);
    const counts = [...perNode.values()];
    assert.equal(perNode.size, 3);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, JSON.stringify(Object.fromEntries(perNode)));
  });

  test("committed memory per node stays within node memory × overcommit (1.0)", () => {
    const snapshot = world.pve.admin.snapshot();
    for (const node of ["foxtrot", "golf", "hotel"]) {
      const committed = snapshot.vms
        .filter((vm) => vm.node === node)
        .reduce((sum, vm) => sum + Number.parseInt(String(vm.config.memory), 10) * 1024 ** 2, 0);
      assert.ok(committed <= 64 * GIB, `${node}: ${committed / GIB} GiB committed`);
    }
  });
});
