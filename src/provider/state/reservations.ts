/**
 * Placement reservations live in the state resources in Omni: `place` writes the decision into the
 * request's state, and every later decision — in this process, after a restart, or on another replica —
 * reads them back. This module converts between the two shapes.
 */
import type { MachineRole, PlacementDecision, Reservation } from "../placement/index.ts";
import { type MachineState, reservedVolume } from "./codec.ts";

/** The request's reservation as placement counts it, or undefined before `place` ran. */
export function reservationOf(requestId: string, state: MachineState): Reservation | undefined {
  if (state.node === "" || state.reservedMemoryBytes === 0n) return undefined;
  const role = roleOf(state.role);
  return {
    requestId,
    ...(state.requestSetId !== "" ? { machineRequestSetId: state.requestSetId } : {}),
    ...(role !== undefined ? { role } : {}),
    node: state.node,
    memoryBytes: Number(state.reservedMemoryBytes),
    vcpus: state.reservedVcpus,
    volumes: state.reservedVolumes.map((v) => ({
      storage: v.storage,
      node: v.node,
      shared: v.shared,
      bytes: Number(v.bytes),
    })),
  };
}

/** Records a placement decision (node, storages, reservation, summary) in the state. */
export function recordPlacement(state: MachineState, decision: PlacementDecision): void {
  const r = decision.reservation;
  state.node = decision.node;
  state.requestSetId = r.machineRequestSetId ?? "";
  state.role = r.role ?? "";
  state.reservedMemoryBytes = BigInt(r.memoryBytes);
  state.reservedVcpus = r.vcpus;
  state.reservedVolumes = r.volumes.map((v) => reservedVolume(v));
  state.bootStorage = decision.storages.boot;
  state.additionalStorages = [...decision.storages.additional];
  state.isoStorage = decision.storages.iso;
  state.cidataStorage = decision.storages.cidata;
  state.placementSummary = decision.summary;
}

/**
 * The role of a request, from its machine request set ID: Omni names the control-plane set of a cluster
 * `<cluster>-control-planes`.
 *
 * @example
 * roleForRequestSet("talos-prod-01-control-planes"); // "control-plane"
 */
export function roleForRequestSet(requestSetId: string): MachineRole | undefined {
  if (requestSetId === "") return undefined;
  return requestSetId.endsWith("-control-planes") ? "control-plane" : "worker";
}

function roleOf(text: string): MachineRole | undefined {
  return text === "control-plane" || text === "worker" ? text : undefined;
}
