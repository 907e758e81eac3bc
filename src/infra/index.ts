/**
 * Provider-agnostic infra provider runtime for Omni: what a concrete provider (e.g. Proxmox) imports.
 *
 * @example
 * import { createInfraRuntime, done, retryAfter } from "../infra/index.ts";
 */
export { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff.ts";
export { InfraError, type InfraErrorCode, isInfraError } from "./errors.ts";
export type { InfraHooks, ReconcileOutcome, RequestStage, StepOutcome } from "./hooks.ts";
export {
  buildConnectionParams,
  type ConnectionParams,
  encodeJoinToken,
  type JoinInputs,
  type JoinTokenVersion,
} from "./joinconfig.ts";
export { DEFAULT_LEASE_TIMING, type LeaseTiming, scaledLeaseTiming } from "./lease.ts";
export type { ManagementPort } from "./management-port.ts";
export { createInfraRuntime, type InfraRuntime, type InfraRuntimeOptions, type LeaseOptions } from "./runtime.ts";
export type { MetaValue, Overlay, SchematicExtras } from "./schematic.ts";
export {
  type BootAsset,
  type BootAssetRequest,
  type DeprovisionContext,
  done,
  fail,
  type GrpcTunnelMode,
  type InfraProviderDefinition,
  type MachineRequestView,
  retryAfter,
  type StateCodec,
  type Step,
  type StepContext,
  type StepResult,
} from "./steps.ts";
