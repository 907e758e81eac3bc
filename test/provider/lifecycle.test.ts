/**
 * Acceptance 5 (scale to zero leaves nothing of ours behind, unrelated VMs untouched) and 6 (a VM
 * migrated or deleted out of band is deprovisioned cleanly), plus failure mode 4 of issue 5:
 * deprovision looked only on the creation node, detected "not found" by substrings, and could not
 * delete HA-managed VMs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultMatrixWorld } from "../../src/lab/pve/index.ts";
import {
  adminPve,
  allProvisioned,
  isProvisioned,
  ourVms,
  PROVIDER_ID,
  requestIds,
  requestMachine,
  seedScenario,
  startWorld,
  tearDown,
  vmOf,
  type World,
  waitFor,
} from "./harness.ts";

const SMALL = ["cores: 1", "memory: 2048", "disk_size: 5", 'storage_selector: name == "vm_ssd"'].join("\n");

/** Disks of the given VMs plus the cidata images of the given requests (all of ours when none given). */
function ourVolumes(world: World, vmids: readonly number[], requests?: readonly string[]) {
  const cidata = (volid: string) =>
    requests === undefined
      ? volid.includes(`omni-${PROVIDER_ID}-cidata-`)
      : requests.some((id) => volid.endsWith(`omni-${PROVIDER_ID}-cidata-${id}.iso`));
  return world.pve.admin
    .snapshot()
    .volumes.filter((v) => (v.vmid !== undefined && vmids.includes(v.vmid)) || cidata(v.volid));
}

/** The matrix world where the provider's token may also manage HA resources (Sys.Console on /). */
function worldWithHa() {
  const world = defaultMatrixWorld();
  for (const principal of ["omni@pve", "omni@pve!provider"])
    world.acl.push({ path: "/", principal, privs: ["Sys.Console"], propagate: true });
  return world;
}

describe("deprovision and scale to zero", () => {
  let world: World;
  before(async () => {
    world = await startWorld({ world: worldWithHa() });
  });
  after(async () => {
    await world?.close();
  });

  test("scale to zero: every VM, disk, cidata volume and HA resource we created is gone; unrelated VMs untouched", async () => {
    const pve = adminPve(world);
    try {
      const unrelatedBefore = world.pve.admin.snapshot().vms.find((vm) => vm.vmid === 100);
      const { template, classes } = seedScenario();
      world.scenario.applyTemplate(template, classes);
      requestMachine(world, "lab-ha-bbbbbb", `${SMALL}\nha:\n  state: started\n  max_restart: 2`);
      await waitFor("6 machines provisioned", () => allProvisioned(world, 6), world, 90_000);
      const haVm = vmOf(world, "lab-ha-bbbbbb");
      assert.ok(haVm);
      assert.ok(
        (await pve.listHaResources()).some((r) => r.sid === `vm:${haVm.vmid}`),
        "the HA resource was registered",
      );
      const vmids = ourVms(world).map((vm) => vm.vmid);
      assert.equal(vmids.length, 6);
      assert.ok(ourVolumes(world, vmids).length >= 12, "disks and cidata images exist before scaling down");

      world.scenario.scaleAllToZero();
      world.omni.admin.tearDownMachineRequest("lab-ha-bbbbbb");
      await waitFor("every request destroyed", () => requestIds(world).length === 0, world, 90_000);

      assert.deepEqual(ourVms(world), []);
      assert.deepEqual(ourVolumes(world, vmids), []);
      assert.deepEqual(await pve.listHaResources(), []);
      const unrelatedAfter = world.pve.admin.snapshot().vms.find((vm) => vm.vmid === 100);
      assert.deepEqual(unrelatedAfter, unrelatedBefore);
      assert.ok(
        world.pve.admin.snapshot().volumes.some((v) => v.vmid === 100),
        "the unrelated VM keeps its disk",
      );

      // Shared Talos ISOs outlive their VMs until garbage collection (reading Omni over gRPC) finds them unreferenced.
      const isosOfOurs = () =>
        world.pve.admin.snapshot().volumes.filter((v) => v.volid.includes(`omni-${PROVIDER_ID}-talos-`));
      assert.ok(isosOfOurs().length > 0);
      const report = await world.provider?.gc.runOnce();
      assert.equal(report?.outcome, "swept");
      assert.deepEqual(isosOfOurs(), []);
    } finally {
      await pve.close();
    }
  });

  test("HA rules of a machine request set: node affinity and anti-affinity join every member, and go with the last", async () => {
    const pve = adminPve(world);
    try {
      const ha = `${SMALL}\nha:\n  state: started\n  node_affinity_nodes: [foxtrot, golf]\n  resource_affinity: negative`;
      // Both members at once: whichever registers second sees the other and creates the anti-affinity rule.
      const first = requestMachine(world, "lab-hagroup-gggggg", ha, "lab-hagroup");
      const second = requestMachine(world, "lab-hagroup-hhhhhh", ha, "lab-hagroup");
      await waitFor(
        "both members provisioned",
        () => isProvisioned(world, first) && isProvisioned(world, second),
        world,
      );
      const sids = [first, second].map((id) => `vm:${vmOf(world, id)?.vmid}`).sort();
      const secondSid = `vm:${vmOf(world, second)?.vmid}`;
      const rules = await pve.listHaRules();
      const nodes = rules.find((r) => r.rule === `omni-${PROVIDER_ID}-lab-hagroup-nodes`);
      const spread = rules.find((r) => r.rule === `omni-${PROVIDER_ID}-lab-hagroup-spread`);
      assert.equal(nodes?.type, "node-affinity");
      assert.equal(nodes?.nodes, "foxtrot,golf");
      assert.deepEqual(nodes?.resources.split(",").sort(), sids);
      assert.equal(spread?.affinity, "negative");
      assert.deepEqual(spread?.resources.split(",").sort(), sids);

      await tearDown(world, first);
      const after = await pve.listHaRules();
      assert.equal(
        after.find((r) => r.rule === nodes?.rule)?.resources,
        secondSid,
        "the remaining member stays in the node-affinity rule",
      );
      assert.equal(
        after.find((r) => r.rule === spread?.rule),
        undefined,
        "an anti-affinity rule needs two members",
      );
      await tearDown(world, second);
      assert.deepEqual(await pve.listHaRules(), []);
      assert.deepEqual(await pve.listHaResources(), []);
    } finally {
      await pve.close();
    }
  });

  test("a VM migrated to another node out of band is deprovisioned where it is now", async () => {
    const id = requestMachine(world, "lab-moved-cccccc", `${SMALL}\nnode: foxtrot`);
    await waitFor("provisioned", () => isProvisioned(world, id), world);
    const vm = vmOf(world, id);
    assert.equal(vm?.node, "foxtrot");
    world.pve.admin.moveVm(vm.vmid, "golf");
    await tearDown(world, id);
    assert.equal(vmOf(world, id), undefined);
    assert.deepEqual(ourVolumes(world, [vm.vmid], [id]), []);
  });

  test("deprovision works after HA relocation off a node that was then removed", async () => {
    const id = requestMachine(world, "lab-relocated-dddddd", `${SMALL}\nnode: hotel`);
    await waitFor("provisioned", () => isProvisioned(world, id), world);
    const vm = vmOf(world, id);
    assert.ok(vm);
    world.pve.admin.moveVm(vm.vmid, "golf");
    world.pve.admin.setNodeOnline("hotel", false);
    try {
      await tearDown(world, id);
      assert.equal(vmOf(world, id), undefined);
      assert.deepEqual(
        ourVolumes(world, [vm.vmid], [id]).filter((v) => v.node !== "hotel"),
        [],
        "nothing left on the nodes still online",
      );
    } finally {
      world.pve.admin.setNodeOnline("hotel", true);
    }
  });

  test("a VM deleted out of band: deprovision succeeds (already gone) and removes its cidata image", async () => {
    const id = requestMachine(world, "lab-deleted-ffffff", SMALL);
    await waitFor("provisioned", () => isProvisioned(world, id), world);
    const vm = vmOf(world, id);
    assert.ok(vm);
    world.pve.admin.deleteVm(vm.vmid);
    await tearDown(world, id);
    assert.deepEqual(ourVolumes(world, [vm.vmid], [id]), []);
  });
});
