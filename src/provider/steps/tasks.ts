/** Waiting for a Proxmox task inside a step: finished, failed (with the error), or still running. */
import { isProxmoxError, type ProxmoxClient, type ProxmoxError, type WaitOptions } from "../../proxmox/index.ts";

export type TaskOutcome =
  | { readonly kind: "ok" }
  | { readonly kind: "failed"; readonly error: ProxmoxError }
  | { readonly kind: "running" };

/**
 * Waits up to `wait.timeoutMs`. A UPID Proxmox no longer knows (node reinstalled, task log rotated)
 * is reported as failed so the caller re-checks the real state instead of waiting forever.
 */
export async function awaitTask(pve: ProxmoxClient, upid: string, wait: WaitOptions): Promise<TaskOutcome> {
  try {
    await pve.waitForTask(upid, wait);
    return { kind: "ok" };
  } catch (err) {
    if (isProxmoxError(err, "timeout")) return { kind: "running" };
    if (isProxmoxError(err, "task_failed", "not_found")) return { kind: "failed", error: err };
    throw err;
  }
}
