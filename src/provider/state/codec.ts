/**
 * The provider state of one machine request (`MachineSpec` in proto/provider/state.proto) and its codec
 * for the runtime. The message keeps the Go provider's field numbers, so a state resource that Go
 * provider wrote decodes here field for field (our additions live at numbers ≥ 100).
 */
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import type { StateCodec } from "../../infra/steps.ts";
import { type MachineSpec, MachineSpecSchema, ReservedVolumeSchema } from "../../omni/gen/provider/state_pb.js";

export type {
  MachineSpec as MachineState,
  ReservedVolume as ReservedVolumeState,
} from "../../omni/gen/provider/state_pb.js";
export { MachineSpecSchema as MachineStateSchema, ReservedVolumeSchema } from "../../omni/gen/provider/state_pb.js";

/** Name part of the state resource type `Machine.<providerID>.infraprovider.sidero.dev` (as the Go provider). */
export const STATE_RESOURCE_NAME = "Machine";

/** A fresh, empty state. */
export function emptyMachineState(): MachineSpec {
  return create(MachineSpecSchema);
}

/**
 * Protobuf bytes in `proto_spec` (what the Go provider stores), JSON as the readable `yaml_spec`.
 *
 * @example
 * const state = machineStateCodec.decode(resource.protoSpec);
 * state.vmid; // 1042
 */
export const machineStateCodec: StateCodec<MachineSpec> = {
  empty: emptyMachineState,
  decode: (bytes) => (bytes.length === 0 ? emptyMachineState() : fromBinary(MachineSpecSchema, bytes)),
  encode: (state) => toBinary(MachineSpecSchema, state),
  toYaml: (state) => toJsonString(MachineSpecSchema, state, { prettySpaces: 2 }),
};

/** Builds a reserved-volume entry (bytes as bigint, the protobuf uint64 type). */
export function reservedVolume(input: { storage: string; node: string; shared: boolean; bytes: number }) {
  return create(ReservedVolumeSchema, { ...input, bytes: BigInt(Math.max(0, Math.round(input.bytes))) });
}
