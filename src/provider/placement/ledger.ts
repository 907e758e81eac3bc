/**
 * Committed capacity per node: configured memory / vCPUs of every VM on it plus the reservations of
 * in-flight requests. Committed — not used — memory, because a VM that is idle now still gets its
 * full memory later; placing on used memory clumped VMs onto one node until it ran out of memory.
 *
 * A reservation whose VM already appears in the snapshot (same request ID) is not counted twice, and
 * the request being placed never counts its own earlier reservation (placement is re-runnable).
 */
import type { StorageFacts } from "../selectors/index.ts";
import type { ClusterSnapshot, MachineRole, Reservation } from "./types.ts";

export interface NodeLoad {
  memoryBytes: number;
  vcpus: number;
  /** VMs plus in-flight reservations. */
  guests: number;
  /** Members of the request's machine request set (VMs plus reservations). */
  setMembers: number;
  controlPlanes: number;
}

export interface Ledger {
  load(node: string): NodeLoad;
  /** Bytes reserved on a storage as seen from `node` (shared storages count cluster-wide). */
  reservedOn(storage: StorageFacts): number;
  /** Members of the set across the cluster (for round-robin). */
  readonly setSize: number;
  /** Guests across the cluster. */
  readonly totalGuests: number;
}

function emptyLoad(): NodeLoad {
  return { memoryBytes: 0, vcpus: 0, guests: 0, setMembers: 0, controlPlanes: 0 };
}

export function buildLedger(
  snapshot: ClusterSnapshot,
  reservations: readonly Reservation[],
  self: { requestId: string; machineRequestSetId?: string },
): Ledger {
  const loads = new Map<string, NodeLoad>();
  const at = (node: string): NodeLoad => {
    let load = loads.get(node);
    if (!load) {
      load = emptyLoad();
      loads.set(node, load);
    }
    return load;
  };
  let setSize = 0;
  let totalGuests = 0;
  const count = (
    node: string,
    memoryBytes: number,
    vcpus: number,
    set: string | undefined,
    role: MachineRole | undefined,
  ) => {
    const load = at(node);
    load.memoryBytes += memoryBytes;
    load.vcpus += vcpus;
    load.guests += 1;
    totalGuests += 1;
    if (role === "control-plane") load.controlPlanes += 1;
    if (self.machineRequestSetId !== undefined && set === self.machineRequestSetId) {
      load.setMembers += 1;
      setSize += 1;
    }
  };

  const withVm = new Set<string>();
  for (const vm of snapshot.vms) {
    if (vm.requestId !== undefined) withVm.add(vm.requestId);
    if (vm.template === true || vm.requestId === self.requestId) continue;
    count(vm.node, vm.maxmem, vm.maxcpu, vm.machineRequestSetId, vm.role);
  }

  const live = reservations.filter((r) => r.requestId !== self.requestId && !withVm.has(r.requestId));
  for (const r of live) count(r.node, r.memoryBytes, r.vcpus, r.machineRequestSetId, r.role);

  const sharedReserved = new Map<string, number>();
  const localReserved = new Map<string, number>();
  for (const r of live) {
    for (const v of r.volumes) {
      if (v.shared) sharedReserved.set(v.storage, (sharedReserved.get(v.storage) ?? 0) + v.bytes);
      else {
        const key = `${v.node}/${v.storage}`;
        localReserved.set(key, (localReserved.get(key) ?? 0) + v.bytes);
      }
    }
  }

  return {
    load: (node) => ({ ...(loads.get(node) ?? emptyLoad()) }),
    reservedOn: (storage) =>
      storage.shared
        ? (sharedReserved.get(storage.storage) ?? 0)
        : (localReserved.get(`${storage.node}/${storage.storage}`) ?? 0),
    setSize,
    totalGuests,
  };
}
