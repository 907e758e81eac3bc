/** The per-request provider state, its codec and the reservation book built on it. */
export {
  type MachineStateSource,
  machineStateType,
  omniMachineStates,
  ReservationBook,
  type StoredMachineState,
} from "./book.ts";
export {
  emptyMachineState,
  type MachineState,
  MachineStateSchema,
  machineStateCodec,
  ReservedVolumeSchema,
  type ReservedVolumeState,
  reservedVolume,
  STATE_RESOURCE_NAME,
} from "./codec.ts";
export { recordPlacement, reservationOf, roleForRequestSet } from "./reservations.ts";
