/** removeVm against the Proxmox simulator: HA resource, graceful shutdown then stop, purge, "already gone". */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PveSimulator, startPveSimulator } from "../../lab/pve/index.ts";
import { ProxmoxClient } from "../../proxmox/index.ts";
import { removeVm } from "./index.ts";

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
    await removeVm(pve, { vmid: 901, node: "golf", status: "running" }, { shutdownTimeoutSec: 1, task: TASK });
    const snapshot = sim.admin.snapshot();
    assert.equal(
      snapshot.vms.find((vm) => vm.vmid === 901),
      undefined,
    );
    assert.equal(snapshot.volumes.filter((v) => v.vmid === 901).length, 0);
    assert.deepEqual(await pve.listHaResources(), []);
  });

  test("a VM that is already gone is success", async () => {
    await removeVm(pve, { vmid: 902, node: "golf", status: "stopped" }, { shutdownTimeoutSec: 0, task: TASK });
  });
});
