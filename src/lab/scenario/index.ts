/**
 * The lab's Omni side: Omni's request-set controller, the progress model and its renderers, and the runner that wires them.
 */
export { isMachineRequestIdOf, machineRequestId, type RandomSource, REQUEST_ID_ALPHABET, seededRandom } from "./ids.ts";
export { findLeftovers, type Leftovers } from "./leftovers.ts";
export {
  type MachineRequestSetPlan,
  type OmniStatePort,
  planRequestSets,
  type RequestView,
  ScenarioController,
  ScenarioControllerError,
  type ScenarioEvent,
} from "./omni-controllers.ts";
export {
  type MachineProgress,
  type MachineStage,
  type ProgressEvent,
  ProgressModel,
  type ProgressSummary,
  renderEventLine,
  renderLiveView,
  renderSummaryTable,
} from "./progress.ts";
export { LabScenario, LabScenarioError, type LabScenarioOptions } from "./runner.ts";
export {
  EXAMPLES_DIR,
  loadSeedScenario,
  SEED_FILES,
  type SeedScenario,
  SeedScenarioError,
  withCounts,
} from "./seed.ts";
export { decodeRequestSpec, decodeRequestStatus, type RequestStage, type RequestStatusFields } from "./specs.ts";
