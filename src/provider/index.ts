/**
 * The Proxmox provisioner: the provider definition the infra runtime runs, and the composition root
 * that starts it. See README.md in this folder.
 *
 * @example
 * import { startProvider } from "../provider/index.ts";
 * const running = await startProvider(config);
 */
export { deprovisionRequest, removeVm } from "./deprovision/index.ts";
export { GarbageCollector, type LiveRequests, readLiveRequests, type SweepReport, sweep } from "./gc/index.ts";
export { IsoShare } from "./images/index.ts";
export { createProxmoxProvisioner, type ProvisionerInfo } from "./provisioner.ts";
export {
  type RunningProvider,
  ServiceError,
  type ServiceErrorCode,
  type StartProviderOptions,
  startProvider,
} from "./service.ts";
export {
  type MachineState,
  machineStateCodec,
  machineStateType,
  omniMachineStates,
  ReservationBook,
  STATE_RESOURCE_NAME,
} from "./state/index.ts";
export {
  DEFAULT_STEP_TIMING,
  isProvisionError,
  ProvisionError,
  type ProvisionErrorCode,
  type ProvisionerDeps,
  provisioningSteps,
  STEP_NAMES,
  type StepTiming,
  VmidAllocators,
} from "./steps/index.ts";
