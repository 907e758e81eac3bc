/**
 * Dangling-state cleanup: provider state resources whose MachineRequest is gone are deprovisioned, torn
 * down and destroyed (upstream only tears them down, leaving them forever). Runs at start and periodically.
 */
import { MachineRequests, provisionControllerName } from "../omni/resources.ts";
import type { ReconcileEnv } from "./env.ts";
import { errorText } from "./errors.ts";
import { teardownAndDestroy } from "./teardown.ts";

/** Returns the IDs of the state resources it removed. */
export async function cleanupDanglingState<S>(env: ReconcileEnv<S>, signal: AbortSignal): Promise<string[]> {
  const owner = provisionControllerName(env.providerId);
  const [states, requests] = await Promise.all([env.state.list(env.stateType), env.state.list(MachineRequests)]);
  const known = new Set(requests.map((r) => r.metadata.id));
  const removed: string[] = [];
  for (const stateRes of states) {
    const id = stateRes.metadata.id;
    if (known.has(id) || signal.aborted) continue;
    // Listing can race with a request being created: confirm with a direct read before touching anything.
    if (await env.state.find(MachineRequests, id)) continue;
    const log = env.logger.child({ request: id });
    try {
      await env.provider.deprovision({
        requestId: id,
        request: undefined,
        state: stateRes.spec,
        machineUuid: "",
        logger: log,
        signal,
      });
      if (await teardownAndDestroy(env as ReconcileEnv<unknown>, env.stateType, id, owner, signal)) {
        removed.push(id);
        log.info("removed provider state of a request that no longer exists");
      }
    } catch (err) {
      log.warn({ err: errorText(err) }, "could not clean up dangling provider state; will retry");
    }
  }
  return removed;
}
