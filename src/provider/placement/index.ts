export { isPlacementError, PlacementError, type PlacementErrorCode } from "./errors.ts";
export { buildLedger, type Ledger, type NodeLoad } from "./ledger.ts";
export { CIDATA_BYTES, ISO_BYTES, placeMachine, placementOrder } from "./place.ts";
export { type ClusterResource, snapshotFromClusterResources, splitTags, type VmMarks } from "./snapshot.ts";
export {
  type ClusterSnapshot,
  DEFAULT_OVERCOMMIT,
  type MachineRole,
  type NodeExplanation,
  type NodeRejection,
  type Overcommit,
  type PlacementDecision,
  type PlacementInput,
  type PlacementRequest,
  type RejectionCode,
  type Reservation,
  type ReservedVolume,
  type StorageChoice,
  type VmSnapshot,
} from "./types.ts";
