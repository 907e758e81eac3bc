/** The provisioning steps in order, and what they share. See src/provider/README.md. */
import type { Step } from "../../infra/steps.ts";
import type { MachineState } from "../state/index.ts";
import { cidataStep } from "./cidata.ts";
import { createStep } from "./create.ts";
import type { ProvisionerDeps } from "./deps.ts";
import { imageStep } from "./image.ts";
import { placeStep } from "./place.ts";
import { startStep } from "./start.ts";
import { validateStep } from "./validate.ts";

export { hostnameFor } from "./cidata.ts";
export { type ClusterView, hasProviderTags, placementSnapshot, readCluster, requestTagOf } from "./cluster.ts";
export { providerDataOf } from "./data.ts";
export { DEFAULT_STEP_TIMING, failureDelay, type ProvisionerDeps, type StepTiming, VmidAllocators } from "./deps.ts";
export { isProvisionError, ProvisionError, type ProvisionErrorCode } from "./errors.ts";
export { ensureHa, type HaMember, type HaRuleKind, haRuleId, haSid, isOwnHaRule, removeFromHa } from "./ha.ts";
export { QEMU_GUEST_AGENT } from "./image.ts";
export { type LocatedVm, locateRequestVms, readConfig, smbiosUuidOf, vmMarksOf } from "./locate.ts";
export { awaitTask, type TaskOutcome } from "./tasks.ts";

/** Step names in order (also the values of the state's step annotation). */
export const STEP_NAMES = ["validate", "place", "image", "create", "cidata", "start"] as const;

/**
 * @example
 * const steps = provisioningSteps(deps); // validate → place → image → create → cidata → start
 */
export function provisioningSteps(deps: ProvisionerDeps): Step<MachineState>[] {
  return [validateStep(deps), placeStep(deps), imageStep(deps), createStep(deps), cidataStep(deps), startStep(deps)];
}
