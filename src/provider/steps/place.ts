/**
 * `place`: node and storages for the VM, from one `/cluster/resources` snapshot and every in-flight
 * reservation (our state resources in Omni plus this process's undecided-yet-unpersisted ones). The
 * decision and its reservation go into the state, so parallel requests and a restarted provider count
 * it. Decisions are serialised in this process; a capacity shortage is retried, a bad pin/selector fails.
 */
import { done, fail, retryAfter, type Step } from "../../infra/steps.ts";
import { placeMachine } from "../placement/index.ts";
import { type MachineState, recordPlacement, roleForRequestSet } from "../state/index.ts";
import { placementSnapshot, readCluster } from "./cluster.ts";
import { providerDataOf } from "./data.ts";
import type { ProvisionerDeps } from "./deps.ts";
import { ProvisionError } from "./errors.ts";

export function placeStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "place",
    async run(ctx) {
      const state = ctx.state;
      // Already placed (resumed), or a VM exists already (taken over from the Go provider's state).
      if (state.vmid !== 0 || (state.node !== "" && state.bootStorage !== "" && state.cidataStorage !== ""))
        return done();
      const data = providerDataOf(ctx.providerData);
      const role = roleForRequestSet(ctx.requestSetId);
      const outcome = await deps.book.exclusive(async () => {
        const [reservations, view] = await Promise.all([deps.book.reservations(), readCluster(deps.pve)]);
        const result = placeMachine({
          snapshot: placementSnapshot(view, deps.providerId, reservations),
          request: {
            requestId: ctx.requestId,
            ...(ctx.requestSetId !== "" ? { machineRequestSetId: ctx.requestSetId } : {}),
            ...(role !== undefined ? { role } : {}),
            data,
          },
          reservations,
          ...(deps.overcommit ? { overcommit: deps.overcommit } : {}),
        });
        if (result.ok) deps.book.hold(result.decision.reservation);
        return result;
      });
      if (!outcome.ok) {
        const error = new ProvisionError("placement_failed", outcome.error.message, { cause: outcome.error });
        switch (outcome.error.code) {
          case "insufficient_memory":
          case "no_node_fits":
          case "offline_pinned_node":
            // Capacity and node state change by themselves: try again later, the reason stays visible.
            state.lastDiagnosis = error.message;
            return retryAfter(deps.timing.capacityRetryMs, error.message);
          default:
            return fail(error);
        }
      }
      recordPlacement(state, outcome.decision);
      state.lastDiagnosis = "";
      ctx.logger.info({ node: outcome.decision.node, storages: outcome.decision.storages }, outcome.decision.summary);
      return done();
    },
  };
}
