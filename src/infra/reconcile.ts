/** Entry point of one reconcile: routes a MachineRequest ID to provisioning or teardown. */
import { LABEL_INFRA_PROVIDER_ID, MachineRequests } from "../omni/resources.ts";
import type { ReconcileEnv } from "./env.ts";
import { errorText, isInfraError } from "./errors.ts";
import { callHook, type ReconcileOutcome } from "./hooks.ts";
import { provisionRequest } from "./provision.ts";
import type { HandlerResult } from "./queue.ts";
import { teardownRequest } from "./teardown.ts";

/**
 * Reconciles one MachineRequest (the work-queue handler). Returns when to run again, or throws to be
 * retried with backoff. Logs carry the request ID on every line.
 */
export async function reconcileRequest<S>(
  env: ReconcileEnv<S>,
  id: string,
  signal: AbortSignal,
): Promise<HandlerResult> {
  const log = env.logger.child({ request: id });
  const started = performance.now();
  let outcome: ReconcileOutcome = "noop";
  try {
    const mr = await env.state.find(MachineRequests, id);
    if (!mr) {
      env.stages.set(id, undefined);
      return undefined;
    }
    if (mr.metadata.labels[LABEL_INFRA_PROVIDER_ID] !== env.providerId) return undefined;
    if (mr.metadata.phase === "tearingDown") {
      outcome = "teardown";
      return await teardownRequest(env, mr, signal, log);
    }
    const result = await provisionRequest(env, mr, signal, log);
    if (result?.requeueAfterMs === undefined) outcome = "provisioned";
    else outcome = env.failBackoff.failures(id) > 0 ? "failed" : "retry";
    return result;
  } catch (err) {
    outcome = "error";
    if (!isInfraError(err, "stopped")) log.warn({ err: errorText(err) }, "reconcile failed; retrying with backoff");
    throw err;
  } finally {
    callHook(env.hooks, "reconcileFinished", outcome, (performance.now() - started) / 1000);
  }
}
