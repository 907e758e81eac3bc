/** removeVm against the Proxmox simulator: HA resource, graceful shutdown then stop, purge, "already gone". */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PveSimulator, startPveSimulator } from "../../lab/pve/index.ts";
import { ProxmoxClient } from "../../proxmox/index.ts";
import { haRuleId } from "../steps/index.ts";
import { removeVm } from "./index.ts";

const PROVIDER = "matrix-cluster";
const TASK = { timeoutMs: 10_000, pollMs: 2, maxPollMs: 20 };

describe("removeVm", () => {
  let sim: PveSimulator;
  let pve: ProxmoxClient;
  before(async () => {
    sim = await startPveSimulator({ timeFactor: 0.01 });
    // The admin token: HA resources need Sys.Console on / (granted separately to the provider in real setups).
    pve = new ProxmoxClient({ url: sim.url, token: sim.tokens.admin.full, caFile: sim.caFile });
  });
  after(async () => {
    await pve.close();
    await sim.close();
  });

  /** The power and destroy tasks run for a VM, oldest first (the simulator keeps tasks in start order). */
  function taskTypes(vmid: number): string[] {
    return sim.admin
      .snapshot()
      .tasks.filter((t) => t.id === String(vmid) && ["qmshutdown", "qmstop", "qmdestroy"].includes(t.type))
      .map((t) => t.type);
  }

  async function runningVm(vmid: number): Promise<void> {
    await pve.waitForTask(
      await pve.createVm("golf", { vmid, memory: 512, scsihw: "virtio-scsi-single", scsi0: "vm_ssd:1" }),
      TASK,
    );
    await pve.waitForTask(await pve.startVm("golf", vmid), TASK);
  }

  test("an HA-managed, running VM whose guest ignores shutdown is removed with its disks and HA resource", async () => {
    await runningVm(901);
    await pve.addHaResource("vm:901", { state: "started" });
    sim.admin.setGuestIgnoresShutdown(901, true);
    await removeVm(
      pve,
      { vmid: 901, node: "golf", status: "running" },
      { providerId: PROVIDER, shutdownTimeoutSec: 1, task: TASK },
    );
    const snapshot = sim.admin.snapshot();
    assert.equal(
      snapshot.vms.find((vm) => vm.vmid === 901),
      undefined,
    );
    assert.equal(snapshot.volumes.filter((v) => v.vmid === 901).length, 0);
    assert.deepEqual(await pve.listHaResources(), []);
    assert.deepEqual(taskTypes(901), ["qmshutdown", "qmstop", "qmdestroy"], "shutdown tried before the hard stop");
  });

  test("a guest that honours shutdown is powered off gracefully, never stopped hard", async () => {
    await runningVm(903);
    await removeVm(
      pve,
      { vmid: 903, node: "golf", status: "running" },
      { providerId: PROVIDER, shutdownTimeoutSec: 5, task: TASK },
    );
    assert.equal(
      sim.admin.snapshot().vms.find((vm) => vm.vmid === 903),
      undefined,
    );
    assert.deepEqual(taskTypes(903), ["qmshutdown", "qmdestroy"]);
  });

  test("our HA rule left too small is deleted; another provider's rule only loses the VM", async () => {
    for (const vmid of [904, 905]) {
      await pve.waitForTask(await pve.createVm("golf", { vmid, memory: 512 }), TASK);
      await pve.addHaResource(`vm:${vmid}`, { state: "stopped" });
    }
    const ours = haRuleId(PROVIDER, "db-workers", "spread");
    const theirs = haRuleId("other-cluster", "db-workers", "spread");
    for (const rule of [ours, theirs]) {
      await pve.addHaRule({ rule, type: "resource-affinity", affinity: "negative", resources: "vm:904,vm:905" });
    }
    await removeVm(
      pve,
      { vmid: 904, node: "golf", status: "stopped" },
      { providerId: PROVIDER, shutdownTimeoutSec: 0, task: TASK },
    );
    const rules = await pve.listHaRules();
    assert.equal(
      rules.find((r) => r.rule === ours),
      undefined,
    );
    assert.equal(rules.find((r) => r.rule === theirs)?.resources, "vm:905");
    await pve.removeHaRule(theirs);
    await removeVm(
      pve,
      { vmid: 905, node: "golf", status: "stopped" },
      { providerId: PROVIDER, shutdownTimeoutSec: 0, task: TASK },
    );
  });

  test("a VM that is already gone is success", async () => {
    await removeVm(
      pve,
      { vmid: 902, node: "golf", status: "stopped" },
      { providerId: PROVIDER, shutdownTimeoutSec: 0, task: TASK },
    );
  });
});
