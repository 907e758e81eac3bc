/**
 * Deprovision of one request: every VM carrying its marks, wherever it runs now (it may have been
 * migrated, relocated by HA, or its creation node removed), plus a Go-provider VM known only by the
 * state's VMID + SMBIOS UUID; then its NoCloud image on every ISO storage. Nothing there = success.
 */
import type { DeprovisionContext } from "../../infra/steps.ts";
import { cidataFileName } from "../images/index.ts";
import { parseProviderData } from "../providerdata/index.ts";
import type { MachineState } from "../state/index.ts";
import { locateRequestVms, type ProvisionerDeps, readCluster } from "../steps/index.ts";
import { removeVm } from "./remove-vm.ts";
import { deleteVolume, isoLocations, listIsoFiles } from "./volumes.ts";

/** Used when providerdata is gone or unreadable (as the providerdata default). */
const DEFAULT_SHUTDOWN_TIMEOUT_SEC = 60;

/**
 * @example
 * const definition = { …, deprovision: (ctx) => deprovisionRequest(deps, ctx) };
 */
export async function deprovisionRequest(deps: ProvisionerDeps, ctx: DeprovisionContext<MachineState>): Promise<void> {
  const view = await readCluster(deps.pve);
  const vms = await locateRequestVms(
    deps.pve,
    { providerId: deps.providerId, requestId: ctx.requestId, vmid: ctx.state.vmid, uuid: ctx.state.uuid },
    view,
  );
  const shutdownTimeoutSec = shutdownTimeoutOf(ctx);
  for (const vm of vms) {
    ctx.logger.info({ vmid: vm.vmid, node: vm.node }, "removing the VM");
    await removeVm(deps.pve, vm, { providerId: deps.providerId, shutdownTimeoutSec, task: deps.timing.task });
  }
  const fileName = cidataFileName(deps.providerId, ctx.requestId);
  const files = await listIsoFiles(deps.pve, isoLocations(view), (name) => name === fileName);
  for (const file of files) {
    ctx.logger.info({ volume: file.volid, node: file.node }, "removing the cidata image");
    await deleteVolume(deps.pve, file, deps.timing.task);
  }
  deps.book.release(ctx.requestId);
}

function shutdownTimeoutOf(ctx: DeprovisionContext<MachineState>): number {
  if (!ctx.request) return DEFAULT_SHUTDOWN_TIMEOUT_SEC;
  const parsed = parseProviderData(ctx.request.providerData);
  return parsed.ok ? parsed.data.shutdown_timeout : DEFAULT_SHUTDOWN_TIMEOUT_SEC;
}
