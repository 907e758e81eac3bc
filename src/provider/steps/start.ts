/**
 * `start`: registers the HA resource when the class asks for one, then powers the VM on. A failed
 * start is diagnosed (the task's exit status and log: not enough memory, a lock, a missing volume…),
 * shown on the request and retried after a growing delay — the request never wedges on a dead UPID.
 */
import { done, fail, retryAfter, type Step, type StepContext, type StepResult } from "../../infra/steps.ts";
import { isProxmoxError, type ProxmoxError } from "../../proxmox/index.ts";
import type { MachineState } from "../state/index.ts";
import { providerDataOf } from "./data.ts";
import { failureDelay, type ProvisionerDeps } from "./deps.ts";
import { isProvisionError, ProvisionError } from "./errors.ts";
import { ensureHa } from "./ha.ts";
import { type LocatedVm, requireRequestVm } from "./locate.ts";
import { awaitTask } from "./tasks.ts";

export function startStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "start",
    async run(ctx) {
      const state = ctx.state;
      const vm = await requireRequestVm(deps.pve, {
        providerId: deps.providerId,
        requestId: ctx.requestId,
        vmid: state.vmid,
        uuid: state.uuid,
      });
      if (vm instanceof ProvisionError) return fail(vm);
      state.node = vm.node;
      ctx.setMachineUuid(state.uuid);
      const data = providerDataOf(ctx.providerData);
      if (data.ha && !state.haRegistered) {
        try {
          await ensureHa(
            deps.pve,
            deps.states,
            { providerId: deps.providerId, requestId: ctx.requestId, requestSetId: ctx.requestSetId, vmid: vm.vmid },
            data.ha,
          );
        } catch (err) {
          if (isProvisionError(err)) return fail(err);
          throw err;
        }
        state.haRegistered = true;
      }
      if (vm.status === "running") return started(ctx);

      if (state.vmStartTask === "") {
        try {
          state.vmStartTask = await deps.pve.startVm(vm.node, vm.vmid);
        } catch (err) {
          if (isProxmoxError(err)) return startFailed(deps, ctx, vm, err);
          throw err;
        }
        state.startAttempts += 1;
      }
      const outcome = await awaitTask(deps.pve, state.vmStartTask, deps.timing.task);
      if (outcome.kind === "running") return retryAfter(deps.timing.busyRetryMs, undefined);
      if (outcome.kind === "failed") {
        // "already running" means someone (HA, a human) started it first: that is what we wanted.
        if (outcome.error.reason === "conflict" && (await isRunning(deps, vm))) return started(ctx);
        return startFailed(deps, ctx, vm, outcome.error);
      }
      return started(ctx);
    },
  };
}

async function isRunning(deps: ProvisionerDeps, vm: LocatedVm): Promise<boolean> {
  const status = await deps.pve.vmStatus(vm.node, vm.vmid);
  return status.status === "running";
}

function started(ctx: StepContext<MachineState>): StepResult {
  ctx.state.vmStartTask = "";
  ctx.state.lastDiagnosis = "";
  return done();
}

function startFailed(
  deps: ProvisionerDeps,
  ctx: StepContext<MachineState>,
  vm: LocatedVm,
  error: ProxmoxError,
): StepResult {
  const state = ctx.state;
  state.vmStartTask = "";
  const cause = error.reason ?? error.code;
  const hint = cause === "locked" ? " (the VM is locked by another operation; waiting for it)" : "";
  const log = error.logTail.length > 0 ? `; log: ${error.logTail.slice(-3).join(" / ")}` : "";
  state.lastDiagnosis = `starting VM ${vm.vmid} on ${vm.node} failed (attempt ${state.startAttempts}): ${error.message}${log}${hint}; retrying`;
  ctx.logger.warn({ vmid: vm.vmid, node: vm.node, cause, attempt: state.startAttempts }, "VM start failed");
  const delay = cause === "locked" ? deps.timing.busyRetryMs : failureDelay(deps.timing, state.startAttempts);
  return retryAfter(delay, state.lastDiagnosis);
}
