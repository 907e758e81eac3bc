/**
 * Teardown of one MachineRequest (omni-protocol §6.4) with two fixes: the MR finalizer is removed even
 * when the provider state is already gone, and deprovision errors are shown on the request's status.
 *
 * Order: ConfigPatchRequests → MachineRequestStatus marked tearing down → provider deprovision →
 * MachineRequestStatus destroyed → provider state destroyed → MR finalizer removed. The status is
 * destroyed after deprovision (not before, as upstream) so that a failing deprovision stays visible.
 * Every call is idempotent: a crash anywhere resumes from the first unfinished part.
 */
import { clone } from "@bufbuild/protobuf";
import type { Logger } from "../observability/logger.ts";
import { scrubSecrets } from "../observability/secrets.ts";
import { isOmniError } from "../omni/errors.ts";
import { MachineRequestStatusSpecSchema } from "../omni/gen/omni/specs/infra_pb.js";
import { allOf, eq } from "../omni/labels.ts";
import type { ResourceType } from "../omni/resource.ts";
import {
  ConfigPatchRequests,
  LABEL_INFRA_PROVIDER_ID,
  LABEL_MACHINE_REQUEST,
  MachineRequestStatuses,
  MachineRequests,
  provisionControllerName,
  provisionFinalizer,
} from "../omni/resources.ts";
import { copyResource, type ReconcileEnv } from "./env.ts";
import { errorText } from "./errors.ts";
import { callHook, type StepOutcome } from "./hooks.ts";
import { assertActive, type MachineRequest, type MachineRequestStatus, nextTryText, requestView } from "./provision.ts";
import type { HandlerResult } from "./queue.ts";

export async function teardownRequest<S>(
  env: ReconcileEnv<S>,
  mr: MachineRequest,
  signal: AbortSignal,
  log: Logger,
): Promise<HandlerResult> {
  const id = mr.metadata.id;
  const owner = provisionControllerName(env.providerId);

  const patches = await env.state.list(ConfigPatchRequests, {
    labels: [allOf(eq(LABEL_INFRA_PROVIDER_ID, env.providerId), eq(LABEL_MACHINE_REQUEST, id))],
  });
  let patchesPending = 0;
  for (const patch of patches) {
    if (!(await teardownAndDestroy(env, ConfigPatchRequests, patch.metadata.id, owner, signal))) patchesPending++;
  }
  if (patchesPending > 0) {
    log.info({ pending: patchesPending }, "waiting for Omni to release config patches");
    return undefined; // their destroy-ready events re-queue this request
  }

  let mrs = await env.state.find(MachineRequestStatuses, id);
  if (mrs && mrs.metadata.phase !== "tearingDown") {
    assertActive(signal);
    await env.state.teardown(MachineRequestStatuses, id, { owner });
    mrs = await env.state.find(MachineRequestStatuses, id);
  }
  if (mrs && mrs.metadata.finalizers.length > 0) {
    log.info({ finalizers: mrs.metadata.finalizers }, "waiting for the request status to lose its finalizers");
    return undefined;
  }

  const stateRes = await env.state.find(env.stateType, id);
  if (stateRes) {
    const started = performance.now();
    let outcome: StepOutcome = "done";
    try {
      await env.provider.deprovision({
        requestId: id,
        request: requestView(mr),
        state: stateRes.spec,
        machineUuid: mrs?.spec.id ?? "",
        logger: log.child({ step: "deprovision" }),
        signal,
      });
    } catch (err) {
      outcome = "fail";
      assertActive(signal);
      const delay = env.failBackoff.next(id);
      const message = scrubSecrets(errorText(err));
      log.warn({ err: message, retryInMs: delay }, "deprovision failed");
      if (mrs) await showDeprovisionError(env, mrs, message, delay);
      return { requeueAfterMs: delay };
    } finally {
      callHook(env.hooks, "stepFinished", "deprovision", outcome, (performance.now() - started) / 1000);
    }
    assertActive(signal);
    env.failBackoff.reset(id);
    log.info("deprovisioned");
  }

  if (mrs) await destroyIgnoringAbsence(env, MachineRequestStatuses, id, owner, signal);
  env.stages.set(id, undefined);

  if (stateRes && !(await teardownAndDestroy(env, env.stateType, id, owner, signal))) {
    log.info("waiting for the provider state to lose its finalizers");
    return undefined;
  }

  assertActive(signal);
  await env.state.removeFinalizer(MachineRequests, id, provisionFinalizer(env.providerId));
  log.info(stateRes ? "teardown complete" : "teardown complete (provider state was already gone)");
  return undefined;
}

/** Tears a resource down and destroys it when nothing holds it; true when it is gone. */
export async function teardownAndDestroy<S>(
  env: ReconcileEnv<unknown>,
  rt: ResourceType<S>,
  id: string,
  owner: string,
  signal: AbortSignal,
): Promise<boolean> {
  assertActive(signal);
  let ready: boolean;
  try {
    ready = await env.state.teardown(rt, id, { owner });
  } catch (err) {
    if (isOmniError(err, "not_found")) return true;
    throw err;
  }
  if (!ready) return false;
  return destroyIgnoringAbsence(env, rt, id, owner, signal);
}

async function destroyIgnoringAbsence<S>(
  env: ReconcileEnv<unknown>,
  rt: ResourceType<S>,
  id: string,
  owner: string,
  signal: AbortSignal,
): Promise<boolean> {
  assertActive(signal);
  try {
    await env.state.destroy(rt, id, { owner });
    return true;
  } catch (err) {
    if (isOmniError(err, "not_found")) return true;
    if (isOmniError(err, "conflict")) return false; // a finalizer appeared meanwhile
    throw err;
  }
}

async function showDeprovisionError<S>(
  env: ReconcileEnv<S>,
  mrs: MachineRequestStatus,
  message: string,
  delayMs: number,
): Promise<void> {
  const spec = clone(MachineRequestStatusSpecSchema, mrs.spec);
  spec.error = message;
  spec.status = `Deprovisioning; ${nextTryText(delayMs)}`;
  const next = copyResource(mrs, spec);
  try {
    await env.state.update(MachineRequestStatuses, next, {
      owner: provisionControllerName(env.providerId),
      expectedPhase: "tearingDown",
    });
  } catch (err) {
    // Showing the error is best-effort; the retry must happen regardless.
    env.logger.debug({ err: errorText(err), request: mrs.metadata.id }, "could not show the deprovision error");
  }
}
