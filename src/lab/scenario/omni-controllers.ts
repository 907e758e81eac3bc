/**
 * The part of Omni the lab needs on top of the Omni simulator: machine classes + a cluster template →
 * one machine request set per machine set → MachineRequests for the provider, scaling (down = newest
 * requests first, through Omni's teardown), and watching MachineRequestStatuses and machine
 * registrations so the lab can show progress.
 *
 * It drives the simulator's in-process admin API, as Omni's own controllers work on Omni's state.
 */

import {
  type ClusterTemplate,
  type Diagnostic,
  type GrpcTunnelSetting,
  hasErrors,
  type MachineClass,
  type MachineSetKind,
  resolveMachineClasses,
  versionWithoutV,
} from "../../templates/index.ts";
import type { OmniAdmin } from "../omni/admin.ts";
import type { MachineRequestSpecFields } from "../omni/specs.ts";
import { machineRequestId, type RandomSource, seededRandom } from "./ids.ts";
import { decodeRequestStatus, type RequestStatusFields } from "./specs.ts";

const NS_INFRA = "infra-provider";
const TYPE_REQUEST = "MachineRequests.omni.sidero.dev";
const TYPE_REQUEST_STATUS = "MachineRequestStatuses.omni.sidero.dev";
const TYPE_REGISTRATION = "InfraMachineRegistrations.omni.sidero.dev";
export const LABEL_PROVIDER = "omni.sidero.dev/infra-provider-id";
export const LABEL_REQUEST_SET = "omni.sidero.dev/machine-request-set";
export const LABEL_REQUEST = "omni.sidero.dev/machine-request";

/**
 * What the controller needs of the Omni simulator's in-process admin API (`OmniAdmin` satisfies it):
 * reads, change notifications, and Omni's own request operations. Destroying a released request is the
 * simulator's job (its reactor does what Omni does once the provider drops its finalizer).
 */
export type OmniStatePort = Pick<
  OmniAdmin,
  "get" | "list" | "subscribe" | "createMachineRequest" | "tearDownMachineRequest"
>;

type StoredResource = ReturnType<OmniAdmin["list"]>[number];
type StoredEvent = Parameters<Parameters<OmniAdmin["subscribe"]>[0]>[0];

/** A machine request set: what Omni derives from one machine set of a template and its class. */
export interface MachineRequestSetPlan {
  /** `<cluster>-control-planes`, `<cluster>-workers`, … */
  id: string;
  cluster: string;
  kind: MachineSetKind;
  machineClass: string;
  providerId: string;
  count: number;
  spec: MachineRequestSpecFields;
}

export type ControllerErrorCode = "invalid_template" | "unknown_request_set" | "invalid_count";

export class ScenarioControllerError extends Error {
  readonly code: ControllerErrorCode;
  readonly diagnostics: Diagnostic[];

  constructor(code: ControllerErrorCode, message: string, diagnostics: Diagnostic[] = []) {
    super(message);
    this.name = "ScenarioControllerError";
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

const GRPC_TUNNEL_NUMBER: Record<GrpcTunnelSetting, number> = { UNSET: 0, ENABLED: 1, DISABLED: 2 };

/**
 * Turns a parsed template and its machine classes into machine request sets, as Omni does when a
 * template is synced. Throws {@link ScenarioControllerError} (`invalid_template`) when a class is missing
 * or does not auto-provision.
 *
 * @example
 * const sets = planRequestSets(template, [cpClass, workerClass]);
 * sets.map((s) => `${s.id}×${s.count}`); // ["talos-prod-01-control-planes×3", "talos-prod-01-workers×2"]
 */
export function planRequestSets(template: ClusterTemplate, classes: readonly MachineClass[]): MachineRequestSetPlan[] {
  const diagnostics = resolveMachineClasses(template, classes);
  if (hasErrors(diagnostics)) {
    throw new ScenarioControllerError(
      "invalid_template",
      diagnostics.map((d) => `${d.path}: ${d.message}`).join("; "),
      diagnostics,
    );
  }
  const plans: MachineRequestSetPlan[] = [];
  for (const set of [template.controlPlane, ...template.workers]) {
    const ref = set.machineClass;
    if (!ref) continue;
    const machineClass = classes.find((c) => c.id === ref.name);
    const auto = machineClass?.autoProvision;
    if (!auto) {
      throw new ScenarioControllerError(
        "invalid_template",
        `${set.machineSetId}: machine class "${ref.name}" has no spec.autoprovision, so Omni cannot request machines for it; add autoprovision.providerid/providerdata`,
      );
    }
    if (typeof ref.size !== "number") {
      throw new ScenarioControllerError(
        "invalid_template",
        `${set.machineSetId}: an auto-provisioned set needs a numeric machineClass.size, not "${ref.size}"`,
      );
    }
    plans.push({
      id: set.machineSetId,
      cluster: template.name,
      kind: set.kind,
      machineClass: ref.name,
      providerId: auto.providerId,
      count: ref.size,
      spec: {
        talosVersion: versionWithoutV(template.talosVersion),
        extensions: [...new Set([...template.systemExtensions, ...set.systemExtensions])],
        kernelArgs: [...auto.kernelArgs],
        metaValues: auto.metaValues.map((m) => ({ ...m })),
        providerData: auto.providerData,
        grpcTunnel: GRPC_TUNNEL_NUMBER[auto.grpcTunnel],
      },
    });
  }
  return plans;
}

/** One machine request as the controller sees it. */
export interface RequestView {
  id: string;
  set: string;
  phase: "running" | "tearingDown";
  /** Finalizers on the request (the provider's while it owns the request). */
  finalizers: string[];
  /** The MachineRequestStatus the provider wrote, if any. */
  status?: RequestStatusFields;
  /** Machine UUID of a matching InfraMachineRegistration, once the machine joined. */
  registeredUuid?: string;
}

export type ScenarioEvent =
  | { type: "request-created"; request: string; set: string }
  | { type: "request-tearing-down"; request: string; set: string }
  | { type: "request-destroyed"; request: string; set: string }
  | { type: "status"; request: string; set: string; status: RequestStatusFields }
  | { type: "status-removed"; request: string; set: string }
  | { type: "registered"; request: string; set: string; uuid: string };

export interface ScenarioControllerOptions {
  store: OmniStatePort;
  /** Seed or source for request-ID suffixes (default: a fixed seed, so runs are reproducible). */
  random?: RandomSource | number | string;
}

/**
 * Omni's machine-request-set controller, in-process against the simulator's store.
 *
 * @example
 * const controller = new ScenarioController({ store: omni.admin, random: "lab" });
 * controller.start();
 * controller.applyTemplate(template, classes); // creates 3 + 2 MachineRequests
 * controller.scale("talos-prod-01-workers", 1); // tears the newest worker request down
 */
export class ScenarioController {
  readonly #store: OmniStatePort;
  readonly #random: RandomSource;
  readonly #sets = new Map<string, MachineRequestSetPlan>();
  /** Creation order of requests this controller made: scale-down takes the newest first. */
  readonly #sequence = new Map<string, number>();
  readonly #listeners = new Set<(event: ScenarioEvent) => void>();
  /** Request → machine UUID already reported as registered (each is reported once). */
  readonly #registered = new Map<string, string>();
  #nextSequence = 0;
  /** The last error a scenario-event listener threw (listeners run inside store commits). */
  lastListenerError: unknown;
  #unsubscribe: (() => void) | undefined;

  constructor(options: ScenarioControllerOptions) {
    this.#store = options.store;
    const random = options.random ?? "omni-proxmox-lab";
    this.#random = typeof random === "function" ? random : seededRandom(random);
  }

  /** Starts turning store events into scenario events. Idempotent. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#store.subscribe((event) => this.#onStoreEvent(event));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Receives every scenario event; returns an unsubscribe function. */
  onEvent(listener: (event: ScenarioEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Plans the template's request sets and brings each to its size. */
  applyTemplate(template: ClusterTemplate, classes: readonly MachineClass[]): MachineRequestSetPlan[] {
    const plans = planRequestSets(template, classes);
    for (const plan of plans) this.#sets.set(plan.id, plan);
    for (const plan of plans) this.reconcile(plan.id);
    return plans;
  }

  /** The sets this controller manages. */
  sets(): MachineRequestSetPlan[] {
    return [...this.#sets.values()].map((s) => ({ ...s }));
  }

  /** Sets a request set's size and reconciles it (`count` 0 removes every request of the set). */
  scale(setId: string, count: number): void {
    const set = this.#sets.get(setId);
    if (!set) {
      throw new ScenarioControllerError(
        "unknown_request_set",
        `no machine request set "${setId}"; known: ${[...this.#sets.keys()].join(", ") || "none (apply a template first)"}`,
      );
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new ScenarioControllerError(
        "invalid_count",
        `count for "${setId}" must be a whole number ≥ 0, got ${count}`,
      );
    }
    set.count = count;
    this.reconcile(setId);
  }

  /** Scales every set to zero (the template was deleted). */
  scaleAllToZero(): void {
    for (const id of this.#sets.keys()) this.scale(id, 0);
  }

  /** Creates or tears down requests until the set's live requests match its count. */
  reconcile(setId: string): void {
    const set = this.#sets.get(setId);
    if (!set) return;
    const live = this.#ownRequests(setId).filter((r) => r.metadata.phase === "running");
    if (live.length < set.count) {
      const taken = new Set(this.#store.list(NS_INFRA, TYPE_REQUEST).map((r) => r.metadata.id));
      for (let i = live.length; i < set.count; i++) {
        const id = machineRequestId(set.id, this.#random, taken);
        taken.add(id);
        this.#createRequest(set, id);
      }
    } else if (live.length > set.count) {
      const newestFirst = live.sort((a, b) => this.#age(b) - this.#age(a) || compare(b.metadata.id, a.metadata.id));
      for (const request of newestFirst.slice(0, live.length - set.count)) this.#tearDown(request);
    }
  }

  /** Every request this controller's sets own, with its status and registration. */
  requests(setId?: string): RequestView[] {
    const registrations = this.#store.list(NS_INFRA, TYPE_REGISTRATION);
    return this.#ownRequests(setId).map((r) => {
      const status = this.#status(r.metadata.id);
      const registration = registrations.find(
        (g) =>
          g.metadata.labels[LABEL_REQUEST] === r.metadata.id ||
          (status?.id !== undefined && status.id !== "" && g.metadata.id === status.id),
      );
      return {
        id: r.metadata.id,
        set: r.metadata.labels[LABEL_REQUEST_SET] ?? "",
        phase: r.metadata.phase,
        finalizers: [...r.metadata.finalizers],
        ...(status ? { status } : {}),
        ...(registration ? { registeredUuid: registration.metadata.id } : {}),
      };
    });
  }

  #createRequest(set: MachineRequestSetPlan, id: string): void {
    this.#sequence.set(id, this.#nextSequence++);
    this.#store.createMachineRequest({ ...set.spec, providerId: set.providerId, id, requestSetId: set.id });
  }

  #tearDown(request: StoredResource): void {
    this.#store.tearDownMachineRequest(request.metadata.id);
  }

  #onStoreEvent(event: StoredEvent): void {
    const m = event.resource.metadata;
    if (m.namespace !== NS_INFRA) return;
    if (m.type === TYPE_REQUEST) {
      const set = m.labels[LABEL_REQUEST_SET] ?? "";
      if (!this.#sets.has(set)) return;
      if (event.type === "created") this.#emit({ type: "request-created", request: m.id, set });
      else if (event.type === "destroyed") {
        this.#sequence.delete(m.id);
        this.#registered.delete(m.id);
        this.#emit({ type: "request-destroyed", request: m.id, set });
      } else if (m.phase === "tearingDown" && event.old?.metadata.phase !== "tearingDown") {
        this.#emit({ type: "request-tearing-down", request: m.id, set });
      }
    } else if (m.type === TYPE_REQUEST_STATUS) {
      const request = this.#store.get(NS_INFRA, TYPE_REQUEST, m.id);
      const set = m.labels[LABEL_REQUEST_SET] ?? request?.metadata.labels[LABEL_REQUEST_SET] ?? "";
      if (!this.#sets.has(set)) return;
      if (event.type === "destroyed") this.#emit({ type: "status-removed", request: m.id, set });
      else
        this.#emit({ type: "status", request: m.id, set, status: decodeRequestStatus(event.resource.spec.protoSpec) });
    } else if (m.type === TYPE_REGISTRATION && event.type !== "destroyed") {
      // The machine may join before the provider reports its UUID; Omni links it later (label update).
      const requestId = m.labels[LABEL_REQUEST] ?? this.#requestByMachineUuid(m.id);
      if (!requestId || this.#registered.get(requestId) === m.id) return;
      const set = this.#store.get(NS_INFRA, TYPE_REQUEST, requestId)?.metadata.labels[LABEL_REQUEST_SET] ?? "";
      if (!this.#sets.has(set)) return;
      this.#registered.set(requestId, m.id);
      this.#emit({ type: "registered", request: requestId, set, uuid: m.id });
    }
  }

  #requestByMachineUuid(uuid: string): string | undefined {
    for (const status of this.#store.list(NS_INFRA, TYPE_REQUEST_STATUS)) {
      if (decodeRequestStatus(status.spec.protoSpec).id === uuid) return status.metadata.id;
    }
    return undefined;
  }

  #status(id: string): RequestStatusFields | undefined {
    const status = this.#store.get(NS_INFRA, TYPE_REQUEST_STATUS, id);
    return status ? decodeRequestStatus(status.spec.protoSpec) : undefined;
  }

  #ownRequests(setId?: string): StoredResource[] {
    return this.#store.list(NS_INFRA, TYPE_REQUEST).filter((r) => {
      const set = r.metadata.labels[LABEL_REQUEST_SET];
      return set !== undefined && this.#sets.has(set) && (setId === undefined || set === setId);
    });
  }

  /** Larger is newer: our creation order when known, else the stored creation time. */
  #age(request: StoredResource): number {
    const seq = this.#sequence.get(request.metadata.id);
    return seq !== undefined ? 1e15 + seq : request.metadata.created;
  }

  /**
   * Events are emitted from inside the simulator's commit: a throwing listener must not break the
   * store, so its error is kept in {@link lastListenerError} instead of propagating.
   */
  #emit(event: ScenarioEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.lastListenerError = error;
      }
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
