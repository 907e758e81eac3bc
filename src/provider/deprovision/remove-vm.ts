/**
 * Removing one VM of ours for good: its HA rule memberships and HA resource, a graceful shutdown (bounded) then a hard stop,
 * and destroy with purge + destroy-unreferenced-disks (removes it from HA, backup and replication
 * config and frees every disk it owns). "Already gone" is success, decided by error code.
 */
import { isProxmoxError, type ProxmoxClient, type WaitOptions } from "../../proxmox/index.ts";
import { removeFromHa } from "../steps/ha.ts";

export interface RemoveVmOptions {
  /** Our provider ID: only HA rules this provider created are deleted when the VM leaves them. */
  readonly providerId: string;
  /** Seconds to wait for the guest to shut down before stopping it (0 stops at once). */
  readonly shutdownTimeoutSec: number;
  readonly task: WaitOptions;
}

/**
 * @example
 * await removeVm(pve, { vmid: 1042, node: "golf", status: "running" }, { providerId: "matrix-cluster", shutdownTimeoutSec: 60, task: {} });
 */
export async function removeVm(
  pve: ProxmoxClient,
  vm: { readonly vmid: number; readonly node: string; readonly status: string },
  options: RemoveVmOptions,
): Promise<void> {
  await removeFromHa(pve, vm.vmid, options.providerId);
  if (vm.status === "running") await powerOff(pve, vm.node, vm.vmid, options);
  await ignoreGone(async () => {
    const upid = await pve.deleteVm(vm.node, vm.vmid, { purge: true, destroyUnreferencedDisks: true });
    await pve.waitForTask(upid, options.task);
  });
}

async function powerOff(pve: ProxmoxClient, node: string, vmid: number, options: RemoveVmOptions): Promise<void> {
  if (options.shutdownTimeoutSec > 0) {
    try {
      const upid = await pve.shutdownVm(node, vmid, { timeout: options.shutdownTimeoutSec });
      await pve.waitForTask(upid, {
        ...options.task,
        timeoutMs: Math.max(options.task.timeoutMs ?? 0, options.shutdownTimeoutSec * 1000 + 30_000),
      });
      return;
    } catch (err) {
      if (isProxmoxError(err, "not_found")) return;
      // The guest ignored the request or timed out: stop it hard below.
      if (!isProxmoxError(err, "task_failed", "timeout")) throw err;
    }
  }
  await ignoreGone(async () => {
    const upid = await pve.stopVm(node, vmid);
    await pve.waitForTask(upid, options.task);
  });
}

async function ignoreGone(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (isProxmoxError(err, "not_found")) return;
    if (isProxmoxError(err, "task_failed") && err.reason === "not_found") return;
    throw err;
  }
}
