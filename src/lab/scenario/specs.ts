/**
 * The spec messages the scenario reads back from the Omni simulator's store: MachineRequestStatusSpec
 * (progress) and MachineRequestSpec (what Omni asked for).
 */
export {
  decodeMachineRequestSpec as decodeRequestSpec,
  decodeRequestStatus,
  type MachineRequestSpecFields as RequestSpecFields,
  type RequestStage,
  type RequestStatusFields,
} from "../omni/specs.ts";
