/**
 * `create`: the VM, exactly once per request. Before creating, the cluster is searched for a VM that
 * already carries this request's marks (a crash between "create" and "save state" left one) and that VM
 * is adopted. A VM created by the Go provider (known from its state by VMID + SMBIOS UUID) is adopted
 * too and given our marks. VMIDs come from the collision-safe allocator; a failed create task is
 * cleaned up and retried with a new attempt instead of wedging the request.
 */
import { done, fail, retryAfter, type Step, type StepContext, type StepResult } from "../../infra/steps.ts";
import { createVmWithFreshVmid, isProxmoxError, type ProxmoxError } from "../../proxmox/index.ts";
import type { MachineState } from "../state/index.ts";
import { buildVmSpec, isVmSpecError, vmDescription, vmTags } from "../vmspec/index.ts";
import { providerDataOf, vmidRangeOf } from "./data.ts";
import { failureDelay, type ProvisionerDeps } from "./deps.ts";
import { ProvisionError } from "./errors.ts";
import { type LocatedVm, locateRequestVms, smbiosUuidOf } from "./locate.ts";
import { awaitTask } from "./tasks.ts";

export function createStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "create",
    async run(ctx) {
      const state = ctx.state;
      const [existing] = await locateRequestVms(deps.pve, {
        providerId: deps.providerId,
        requestId: ctx.requestId,
        vmid: state.vmid,
        uuid: state.uuid,
      });
      if (existing) return adopt(deps, ctx, existing);
      if (state.vmCreateTask !== "") {
        // We started a create that left no VM behind: Proxmox rolled it back. Count it and start over.
        return createFailed(deps, ctx, `the create task ${state.vmCreateTask} left no VM behind`);
      }
      return createVm(deps, ctx);
    },
  };
}

async function adopt(deps: ProvisionerDeps, ctx: StepContext<MachineState>, vm: LocatedVm): Promise<StepResult> {
  const state = ctx.state;
  if (vm.config.lock === "create") {
    if (state.vmCreateTask === "") return retryAfter(deps.timing.busyRetryMs, `VM ${vm.vmid} is still being created`);
    return finishCreate(deps, ctx, state.vmCreateTask);
  }
  if (vm.via === "state") {
    // Taken over from the Go provider: give the VM our marks so deprovision and GC recognise it.
    const data = providerDataOf(ctx.providerData);
    const marks = { providerId: deps.providerId, requestId: ctx.requestId, machineUuid: state.uuid };
    await deps.pve.setVmConfig(vm.node, vm.vmid, {
      tags: vmTags(marks, data.tags).join(";"),
      description: vmDescription(marks),
    });
    ctx.logger.info({ vmid: vm.vmid, node: vm.node }, "took over a VM created by the Go provider");
  } else if (state.vmid !== vm.vmid) {
    ctx.logger.warn(
      { vmid: vm.vmid, node: vm.node },
      "adopted a VM carrying this request's marks instead of creating another",
    );
  }
  state.vmid = vm.vmid;
  state.node = vm.node;
  const uuid = smbiosUuidOf(vm.config);
  if (uuid !== "") state.uuid = uuid;
  if (state.mac === "") state.mac = primaryMac(vm.config.net0);
  return created(ctx);
}

async function createVm(deps: ProvisionerDeps, ctx: StepContext<MachineState>): Promise<StepResult> {
  const state = ctx.state;
  const data = providerDataOf(ctx.providerData);
  let macs: readonly (string | undefined)[] = [];
  const build = (vmid: number) => {
    const spec = buildVmSpec({
      data,
      placement: {
        node: state.node,
        diskStorage: state.bootStorage,
        additionalDiskStorages: state.additionalStorages,
        isoVolume: state.volumeId,
      },
      vmid,
      providerId: deps.providerId,
      requestId: ctx.requestId,
      machineUuid: state.uuid,
      identity: deps.identity,
    });
    macs = spec.macs;
    return { ...spec.params, vmid };
  };
  let result: { vmid: number; upid: string };
  try {
    result = await createVmWithFreshVmid(deps.pve, deps.vmids.for(vmidRangeOf(data)), state.node, build);
  } catch (err) {
    if (isVmSpecError(err)) return fail(new ProvisionError("create_failed", err.message, { cause: err }));
    if (isProxmoxError(err, "invalid_params", "permission_denied", "conflict")) {
      return fail(
        new ProvisionError("create_failed", `creating the VM on ${state.node} failed: ${err.message}`, { cause: err }),
      );
    }
    throw err;
  }
  state.vmid = result.vmid;
  state.vmCreateTask = result.upid;
  state.mac = macs[0] ?? "";
  ctx.logger.info({ vmid: result.vmid, node: state.node }, "creating the VM");
  return finishCreate(deps, ctx, result.upid);
}

async function finishCreate(deps: ProvisionerDeps, ctx: StepContext<MachineState>, upid: string): Promise<StepResult> {
  const outcome = await awaitTask(deps.pve, upid, deps.timing.task);
  if (outcome.kind === "running") return retryAfter(deps.timing.busyRetryMs, undefined);
  if (outcome.kind === "failed") return createFailed(deps, ctx, describeFailure(outcome.error), outcome.error);
  return created(ctx);
}

/** Removes whatever the failed attempt left (normally Proxmox already did) and asks for a new attempt. */
async function createFailed(
  deps: ProvisionerDeps,
  ctx: StepContext<MachineState>,
  reason: string,
  cause?: ProxmoxError,
): Promise<StepResult> {
  const state = ctx.state;
  const leftovers = await locateRequestVms(deps.pve, {
    providerId: deps.providerId,
    requestId: ctx.requestId,
    vmid: 0,
    uuid: "",
  });
  for (const vm of leftovers) {
    if (vm.config.lock !== undefined && vm.config.lock !== "create") continue;
    try {
      const upid = await deps.pve.deleteVm(vm.node, vm.vmid, { purge: true, destroyUnreferencedDisks: true });
      await deps.pve.waitForTask(upid, deps.timing.task);
    } catch (err) {
      if (!isProxmoxError(err, "not_found")) throw err;
    }
  }
  state.vmid = 0;
  state.vmCreateTask = "";
  state.createAttempts += 1;
  state.lastDiagnosis = `creating the VM on ${state.node} failed (attempt ${state.createAttempts}): ${reason}; retrying`;
  ctx.logger.warn({ attempt: state.createAttempts, code: cause?.reason ?? cause?.code }, state.lastDiagnosis);
  return retryAfter(failureDelay(deps.timing, state.createAttempts), state.lastDiagnosis);
}

function created(ctx: StepContext<MachineState>): StepResult {
  const state = ctx.state;
  state.vmCreateTask = "";
  state.createAttempts = 0;
  state.lastDiagnosis = "";
  ctx.setMachineUuid(state.uuid);
  ctx.setInfraId(String(state.vmid));
  return done();
}

function describeFailure(error: ProxmoxError): string {
  const tail = error.logTail.length > 0 ? ` (log: ${error.logTail.slice(-3).join(" / ")})` : "";
  return `${error.message}${tail}`;
}

/** The MAC of `net0` (`virtio=BC:24:11:…,bridge=…`), or "". */
function primaryMac(net0: string | number | undefined): string {
  const m = /=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?:,|$)/.exec(String(net0 ?? ""));
  return m?.[1]?.toUpperCase() ?? "";
}
