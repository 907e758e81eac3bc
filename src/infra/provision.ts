/**
 * Reconcile of one MachineRequest that is not being torn down (omni-protocol §6.2, with our fixes: the
 * last error stays visible until its step succeeds, an unknown step annotation restarts from the first
 * step, and the `infra-id` label survives PROVISIONED).
 *
 * Step annotation semantics: the state resource's `infra.omni.sidero.dev/step` names the step to run
 * next. After a step succeeds its state and the *next* step's name are written in one update, so a
 * restart never re-runs a completed step (a Go provider's annotation, naming the last completed step,
 * just re-runs that idempotent step once).
 */
import { clone, create } from "@bufbuild/protobuf";
import type { Logger } from "../observability/logger.ts";
import { scrubSecrets } from "../observability/secrets.ts";
import {
  type MachineRequestSpec,
  type MachineRequestStatusSpec,
  MachineRequestStatusSpecSchema,
  MachineRequestStatusSpec_Stage as Stage,
} from "../omni/gen/omni/specs/infra_pb.js";
import { GrpcTunnelMode } from "../omni/gen/omni/specs/omni_pb.js";
import { allOf, eq } from "../omni/labels.ts";
import type { Resource } from "../omni/resource.ts";
import {
  ANNOTATION_PROVISION_STEP,
  ConfigPatchRequests,
  InfraMachineRegistrations,
  LABEL_INFRA_ID,
  LABEL_INFRA_PROVIDER_ID,
  LABEL_MACHINE_REQUEST,
  LABEL_MACHINE_REQUEST_SET,
  MachineRequestStatuses,
  MachineRequests,
  provisionControllerName,
  provisionFinalizer,
} from "../omni/resources.ts";
import { readJoinInputs } from "./connection.ts";
import { copyResource, type ReconcileEnv } from "./env.ts";
import { errorText, InfraError } from "./errors.ts";
import type { RequestStage } from "./hooks.ts";
import { callHook } from "./hooks.ts";
import { buildConnectionParams, type ConnectionParams } from "./joinconfig.ts";
import type { HandlerResult } from "./queue.ts";
import { buildSchematic, type SchematicExtras, schematicText } from "./schematic.ts";
import {
  ALL_STEPS_DONE,
  type BootAssetRequest,
  type MachineRequestView,
  PROVISION_COMPLETE_TEXT,
  resumeIndex,
  runningStepText,
  type StepContext,
  type StepResult,
} from "./steps.ts";

export type MachineRequest = Resource<MachineRequestSpec>;
export type MachineRequestStatus = Resource<MachineRequestStatusSpec>;

/** Drives a running (not tearing down) MachineRequest through the provider's steps. */
export async function provisionRequest<S>(
  env: ReconcileEnv<S>,
  mr: MachineRequest,
  signal: AbortSignal,
  log: Logger,
): Promise<HandlerResult> {
  const id = mr.metadata.id;
  const owner = provisionControllerName(env.providerId);

  if (!mr.metadata.finalizers.includes(provisionFinalizer(env.providerId))) {
    assertActive(signal);
    await env.state.addFinalizer(MachineRequests, id, provisionFinalizer(env.providerId));
  }

  let mrs = await env.state.find(MachineRequestStatuses, id);
  if (!mrs) {
    assertActive(signal);
    mrs = await env.state.create(
      MachineRequestStatuses,
      {
        metadata: { id, labels: { ...mr.metadata.labels } },
        spec: create(MachineRequestStatusSpecSchema, { stage: Stage.PROVISIONING }),
      },
      { owner },
    );
    log.info("created the request status");
  }
  env.stages.set(id, stageName(mrs.spec.stage));

  const connection = await connectionFor(env, mr);

  let stateRes = await env.state.find(env.stateType, id);
  if (!stateRes) {
    assertActive(signal);
    stateRes = await env.state.create(
      env.stateType,
      { metadata: { id }, spec: env.provider.stateCodec.empty() },
      { owner },
    );
  }

  const status = new StatusWriter(env, mrs, signal);
  if (!status.current.spec.id) await discoverMachineUuid(env, id, status, log);
  if (status.current.spec.stage === Stage.PROVISIONED) return undefined;

  const steps = env.provider.steps;
  const total = steps.length;
  const annotation = stateRes.metadata.annotations[ANNOTATION_PROVISION_STEP];
  let index = resumeIndex(steps, annotation);
  if (annotation && annotation !== ALL_STEPS_DONE && steps[index]?.name !== annotation) {
    log.warn({ annotation }, "the step to resume at no longer exists; starting again from the first step");
  }
  const view = requestView(mr);

  // Show the step about to run, keeping any error of its previous attempt visible.
  const first = steps[index];
  if (first) {
    await status.write((spec) => {
      spec.status = runningStepText(first.name, index + 1, total);
      if (spec.stage === Stage.UNKNOWN) spec.stage = Stage.PROVISIONING;
    });
  }

  for (; index < total; index++) {
    const step = steps[index]!;
    const text = runningStepText(step.name, index + 1, total);
    const stepLog = log.child({ step: step.name });
    const outputs: { machineUuid?: string; infraId?: string } = {};
    const working = env.stateType.decode(env.stateType.encode(stateRes.spec).protoSpec, "");
    const ctx = stepContext(env, view, working, status.current.spec.id, connection, outputs, stepLog, signal);

    const started = performance.now();
    let result: StepResult;
    try {
      result = await step.run(ctx);
    } catch (err) {
      result = { kind: "fail", error: err instanceof Error ? err : new Error(String(err)) };
    }
    assertActive(signal);
    callHook(env.hooks, "stepFinished", step.name, result.kind, (performance.now() - started) / 1000);
    const applyOutputs = (spec: MachineRequestStatusSpec, labels: Record<string, string>) => {
      if (outputs.machineUuid !== undefined) spec.id = outputs.machineUuid;
      if (outputs.infraId !== undefined) labels[LABEL_INFRA_ID] = outputs.infraId;
    };

    if (result.kind === "fail") {
      const delay = env.failBackoff.next(id);
      const message = scrubSecrets(errorText(result.error));
      stepLog.warn({ err: message, retryInMs: delay }, "step failed");
      await status.write((spec, labels) => {
        applyOutputs(spec, labels);
        spec.stage = Stage.FAILED;
        spec.error = message;
        spec.status = `${text}; ${nextTryText(delay)}`;
      });
      return { requeueAfterMs: delay };
    }

    const next = result.kind === "done" ? steps[index + 1] : step;
    const resumeAt = result.kind === "retry" ? step.name : (next?.name ?? ALL_STEPS_DONE);
    stateRes = await writeState(env, stateRes, ctx.state, resumeAt, signal);
    env.failBackoff.reset(id);

    if (result.kind === "retry") {
      const { afterMs, reason } = result;
      stepLog.info({ retryInMs: afterMs, reason }, "step asked to be retried");
      await status.write((spec, labels) => {
        applyOutputs(spec, labels);
        spec.stage = Stage.PROVISIONING;
        if (reason !== undefined) {
          spec.error = scrubSecrets(reason);
          spec.status = `${text}; ${nextTryText(afterMs)}`;
        } else {
          spec.status = text;
        }
      });
      return { requeueAfterMs: afterMs };
    }

    stepLog.info("step done");
    await status.write((spec, labels) => {
      applyOutputs(spec, labels);
      spec.stage = Stage.PROVISIONING;
      spec.error = "";
      spec.status = next ? runningStepText(next.name, index + 2, total) : text;
    });
  }

  await status.write((spec, labels) => {
    const infraId = labels[LABEL_INFRA_ID];
    for (const key of Object.keys(labels)) delete labels[key];
    Object.assign(labels, mr.metadata.labels);
    if (infraId !== undefined) labels[LABEL_INFRA_ID] = infraId;
    spec.stage = Stage.PROVISIONED;
    spec.error = "";
    spec.status = PROVISION_COMPLETE_TEXT;
  });
  log.info("provision complete");
  return undefined;
}

/** Writes the MachineRequestStatus only when something changed, tracking the latest version. */
class StatusWriter<S> {
  current: MachineRequestStatus;
  readonly #env: ReconcileEnv<S>;
  readonly #signal: AbortSignal;

  constructor(env: ReconcileEnv<S>, mrs: MachineRequestStatus, signal: AbortSignal) {
    this.#env = env;
    this.current = mrs;
    this.#signal = signal;
  }

  async write(mutate: (spec: MachineRequestStatusSpec, labels: Record<string, string>) => void): Promise<void> {
    const next = copyResource(this.current, clone(MachineRequestStatusSpecSchema, this.current.spec));
    mutate(next.spec, next.metadata.labels);
    const same =
      next.spec.id === this.current.spec.id &&
      next.spec.stage === this.current.spec.stage &&
      next.spec.error === this.current.spec.error &&
      next.spec.status === this.current.spec.status &&
      sameLabels(next.metadata.labels, this.current.metadata.labels);
    if (same) return;
    assertActive(this.#signal);
    this.current = await this.#env.state.update(MachineRequestStatuses, next, {
      owner: provisionControllerName(this.#env.providerId),
      expectedPhase: "running",
    });
    this.#env.stages.set(this.current.metadata.id, stageName(this.current.spec.stage));
  }
}

async function writeState<S>(
  env: ReconcileEnv<S>,
  stateRes: Resource<S>,
  spec: S,
  resumeAt: string,
  signal: AbortSignal,
): Promise<Resource<S>> {
  assertActive(signal);
  const next = copyResource(stateRes, spec);
  next.metadata.annotations[ANNOTATION_PROVISION_STEP] = resumeAt;
  return env.state.update(env.stateType, next, {
    owner: provisionControllerName(env.providerId),
    expectedPhase: "running",
  });
}

/** Sets MRS.id from the request's MachineRegistration once exactly one exists (§6.2 step 7). */
async function discoverMachineUuid<S>(
  env: ReconcileEnv<S>,
  requestId: string,
  status: StatusWriter<S>,
  log: Logger,
): Promise<void> {
  const registrations = await env.state.list(InfraMachineRegistrations, {
    labels: [allOf(eq(LABEL_MACHINE_REQUEST, requestId))],
  });
  if (registrations.length !== 1) {
    if (registrations.length > 1)
      log.warn({ count: registrations.length }, "several machines registered for one request");
    return;
  }
  const uuid = registrations[0]!.metadata.id;
  await status.write((spec) => {
    spec.id = uuid;
  });
  log.info({ machine: uuid }, "machine registered with Omni");
}

async function connectionFor<S>(env: ReconcileEnv<S>, mr: MachineRequest): Promise<ConnectionParams> {
  const inputs = await readJoinInputs(env.state, env.joinMode, env.providerId);
  return buildConnectionParams(inputs, {
    providerId: env.providerId,
    grpcTunnel: mr.spec.grpcTunnel === GrpcTunnelMode.ENABLED,
    ...(env.encodeRequestIdInToken ? { requestId: mr.metadata.id } : {}),
  });
}

export function requestView(mr: MachineRequest): MachineRequestView {
  const { spec } = mr;
  return {
    id: mr.metadata.id,
    talosVersion: spec.talosVersion,
    requestSetId: mr.metadata.labels[LABEL_MACHINE_REQUEST_SET] ?? "",
    providerData: spec.providerData,
    extensions: [...spec.extensions],
    kernelArgs: [...spec.kernelArgs],
    metaValues: spec.metaValues.map((m) => ({ key: m.key, value: m.value })),
    overlay:
      spec.overlay && (spec.overlay.name || spec.overlay.image)
        ? { name: spec.overlay.name, image: spec.overlay.image }
        : undefined,
    grpcTunnel:
      spec.grpcTunnel === GrpcTunnelMode.ENABLED
        ? "enabled"
        : spec.grpcTunnel === GrpcTunnelMode.DISABLED
          ? "disabled"
          : "unset",
    labels: { ...mr.metadata.labels },
  };
}

function stepContext<S>(
  env: ReconcileEnv<S>,
  request: MachineRequestView,
  state: S,
  machineUuid: string,
  connection: ConnectionParams,
  outputs: { machineUuid?: string; infraId?: string },
  logger: Logger,
  signal: AbortSignal,
): StepContext<S> {
  const generateSchematic = async (extras: SchematicExtras = {}): Promise<string> => {
    const management = requireManagement(env);
    const doc = buildSchematic(request, connection.kernelArgs, extras, env.encodeRequestIdInToken);
    return management.createSchematicFromRaw(schematicText(doc), request.talosVersion);
  };
  return {
    requestId: request.id,
    talosVersion: request.talosVersion,
    requestSetId: request.requestSetId,
    providerData: request.providerData,
    request,
    state,
    machineUuid,
    connection,
    logger,
    signal,
    setMachineUuid(uuid) {
      outputs.machineUuid = uuid;
    },
    setInfraId(infraId) {
      outputs.infraId = infraId;
    },
    async createConfigPatch(name, yaml) {
      assertActive(signal);
      await env.state.modify(ConfigPatchRequests, name, { owner: provisionControllerName(env.providerId) }, (res) => {
        res.metadata.labels[LABEL_INFRA_PROVIDER_ID] = env.providerId;
        res.metadata.labels[LABEL_MACHINE_REQUEST] = request.id;
        res.spec.data = yaml;
        res.spec.compressedData = new Uint8Array();
      });
    },
    generateSchematic,
    async ensureBootAsset(asset: BootAssetRequest) {
      const schematicId = await generateSchematic(asset);
      const answer = await requireManagement(env).getBootAssetURL({
        talosVersion: request.talosVersion,
        schematicId,
        kind: asset.kind,
        platform: asset.platform,
        architecture: asset.architecture,
        ...(asset.format !== undefined ? { format: asset.format } : {}),
        ...(asset.secureBoot !== undefined ? { secureBoot: asset.secureBoot } : {}),
        ...(asset.standaloneUrl !== undefined ? { standaloneUrl: asset.standaloneUrl } : {}),
      });
      return { schematicId, url: answer.url, headers: answer.headers, storageKey: answer.storageKey };
    },
  };
}

function requireManagement<S>(env: ReconcileEnv<S>): NonNullable<ReconcileEnv<S>["management"]> {
  if (!env.management) {
    throw new InfraError("invalid_provider", "this runtime was created without a management client; pass `management`");
  }
  return env.management;
}

/** Throws when the runtime stopped or lost the lease: nothing may be written after that. */
export function assertActive(signal: AbortSignal): void {
  if (signal.aborted)
    throw new InfraError("stopped", "reconcile aborted: the runtime stopped or lost the leader lease");
}

export function stageName(stage: Stage): RequestStage {
  switch (stage) {
    case Stage.PROVISIONING:
      return "provisioning";
    case Stage.PROVISIONED:
      return "provisioned";
    case Stage.FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

/** `next try in 2.5s (at 04:01:02Z)`: when the runtime will retry. */
export function nextTryText(delayMs: number, now = Date.now()): string {
  const at = new Date(now + delayMs).toISOString().slice(11, 19);
  const seconds = delayMs / 1000;
  const human = seconds >= 60 ? `${Math.round(seconds / 6) / 10}m` : `${Math.round(seconds * 10) / 10}s`;
  return `next try in ${human} (at ${at}Z)`;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
