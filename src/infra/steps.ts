/**
 * The step API a concrete provider (e.g. Proxmox) implements: a definition with ordered, named,
 * idempotent steps that drive one MachineRequest to a running machine, a deprovision hook, and a typed
 * state persisted in Omni between steps.
 */
import type { Logger } from "../observability/logger.ts";
import type { ConnectionParams } from "./joinconfig.ts";
import type { MetaValue, Overlay, SchematicExtras } from "./schematic.ts";

/** Outcome of one step. Build with {@link done}, {@link retryAfter}, {@link fail}. */
export type StepResult =
  | { readonly kind: "done" }
  | { readonly kind: "retry"; readonly afterMs: number; readonly reason?: string }
  | { readonly kind: "fail"; readonly error: Error };

/** The step finished; its state changes are persisted and the next step runs. */
export function done(): StepResult {
  return { kind: "done" };
}

/**
 * Not finished yet (e.g. waiting for a VM to boot): state changes are persisted, the step runs again after
 * `ms`. A `reason` is shown as the request's error until the step succeeds.
 */
export function retryAfter(ms: number, reason?: string): StepResult {
  return reason === undefined ? { kind: "retry", afterMs: ms } : { kind: "retry", afterMs: ms, reason };
}

/** The step failed: state changes are discarded, the request shows FAILED with the error, and it is retried with backoff. */
export function fail(error: Error | string): StepResult {
  return { kind: "fail", error: typeof error === "string" ? new Error(error) : error };
}

/** Typed provider state <-> the bytes stored in the state resource's `proto_spec`. */
export interface StateCodec<S> {
  empty(): S;
  decode(bytes: Uint8Array): S;
  encode(state: S): Uint8Array;
  /** Human-readable rendering stored as `yaml_spec` (JSON is fine); defaults to a JSON dump. */
  toYaml?(state: S): string;
}

export type GrpcTunnelMode = "unset" | "enabled" | "disabled";

/** The MachineRequest as steps see it (spec fields plus labels). */
export interface MachineRequestView {
  id: string;
  talosVersion: string;
  /** The `omni.sidero.dev/machine-request-set` label ("" when created by hand). */
  requestSetId: string;
  /** Raw `provider_data` text (YAML or JSON per the provider's schema); the provider parses it. */
  providerData: string;
  extensions: string[];
  kernelArgs: string[];
  metaValues: MetaValue[];
  overlay?: Overlay | undefined;
  grpcTunnel: GrpcTunnelMode;
  labels: Record<string, string>;
}

export interface BootAssetRequest extends SchematicExtras {
  kind: "iso" | "disk" | "pxe";
  platform: string;
  architecture: string;
  /** Disk images only, e.g. `raw.xz`, `qcow2`. */
  format?: string;
  secureBoot?: boolean;
  /** Ask for credentials embedded in the URL instead of headers. */
  standaloneUrl?: boolean;
}

export interface BootAsset {
  schematicId: string;
  url: string;
  /** Headers to send when fetching the URL (may carry credentials: never log them). */
  headers: Record<string, string>;
  /** Stable cache key for the asset, independent of credentials. */
  storageKey: string;
}

export interface StepContext<S> {
  readonly requestId: string;
  readonly talosVersion: string;
  readonly requestSetId: string;
  readonly providerData: string;
  readonly request: MachineRequestView;
  /** Mutable: changes are persisted when the step returns done or retryAfter. */
  state: S;
  /** The machine UUID as currently recorded on the request status ("" until known). */
  readonly machineUuid: string;
  /** Records the machine's UUID (SMBIOS UUID = SideroLink ID) on the request status. */
  setMachineUuid(uuid: string): void;
  /** Records the provider's own machine ID as the `omni.sidero.dev/infra-id` label on the request status. */
  setInfraId(id: string): void;
  /** Creates or updates a ConfigPatchRequest for this machine (Omni applies it once the machine joins). */
  createConfigPatch(name: string, yaml: string): Promise<void>;
  /** Registers a schematic for this request (extensions, kernel args, meta, overlay + extras) and returns its ID. */
  generateSchematic(extras?: SchematicExtras): Promise<string>;
  /** Registers the schematic and asks Omni for the boot asset URL. */
  ensureBootAsset(request: BootAssetRequest): Promise<BootAsset>;
  /** Join config YAML, kernel args and token for this request. */
  readonly connection: ConnectionParams;
  readonly logger: Logger;
  /** Aborted when the runtime stops or loses the leader lease. */
  readonly signal: AbortSignal;
}

export interface Step<S> {
  readonly name: string;
  run(ctx: StepContext<S>): Promise<StepResult>;
}

export interface DeprovisionContext<S> {
  readonly requestId: string;
  /** The MachineRequest, when it still exists. */
  readonly request: MachineRequestView | undefined;
  readonly state: S;
  readonly machineUuid: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * A concrete infra provider.
 *
 * @example
 * const provider: InfraProviderDefinition<MyState> = {
 *   name: "Proxmox", description: "Talos VMs on Proxmox VE", icon: "", version: "0.1.0", schema: "{}",
 *   stateCodec, steps: [{ name: "create-vm", run: async (ctx) => done() }],
 *   deprovision: async (ctx) => { await deleteVm(ctx.state) },
 * };
 */
export interface InfraProviderDefinition<S> {
  name: string;
  description: string;
  /** Base64 of an SVG. */
  icon: string;
  version: string;
  /** JSON Schema text for `provider_data`. */
  schema: string;
  /** Name part of the state resource type `<stateName>.<providerID>.infraprovider.sidero.dev` (default `Machine`). */
  stateName?: string;
  stateCodec: StateCodec<S>;
  steps: Step<S>[];
  /** Removes everything the steps created. Throwing retries with backoff, the error shown on the request. */
  deprovision(ctx: DeprovisionContext<S>): Promise<void>;
  /** Returns an error text when the provider is unhealthy ("" or undefined when fine). */
  healthCheck?(): Promise<string | undefined>;
}

/** Go `%q` for a step name: double-quoted with Go escapes. */
export function goQuote(text: string): string {
  return JSON.stringify(text).replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029");
}

/** `Running Step: "<name>" (<i>/<n>)`, i 1-based. */
export function runningStepText(name: string, index: number, total: number): string {
  return `Running Step: ${goQuote(name)} (${index}/${total})`;
}

export const PROVISION_COMPLETE_TEXT = "Provision Complete";

/**
 * Step annotation written after the last step succeeded, so a restart before PROVISIONED is recorded runs
 * no step again. A Go provider reads it as an unknown step and also goes straight to PROVISIONED.
 */
export const ALL_STEPS_DONE = "(all steps done)";

/**
 * Where to (re)start the step loop: the index of the step named by the annotation, `steps.length` after
 * {@link ALL_STEPS_DONE}, or 0 when the annotation is empty or names a step that no longer exists
 * (upstream would skip everything instead).
 */
export function resumeIndex(steps: readonly { name: string }[], annotation: string | undefined): number {
  if (!annotation) return 0;
  if (annotation === ALL_STEPS_DONE) return steps.length;
  const index = steps.findIndex((s) => s.name === annotation);
  return Math.max(index, 0); // an unknown (removed) step restarts from the first one
}
