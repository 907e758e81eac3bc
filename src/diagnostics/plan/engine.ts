/**
 * The plan: places every machine of every set in order (control planes first), each seeing the
 * reservations of the ones before, exactly as the provider's placement would; then reports selector
 * matches per node and how many more machines of each class would fit. Pure.
 */
import {
  type ClusterSnapshot,
  DEFAULT_OVERCOMMIT,
  type Overcommit,
  type PlacementRequest,
  placeMachine,
  type Reservation,
} from "../../provider/placement/index.ts";
import { selectorMatches } from "./selectors.ts";
import {
  type ExistingMachine,
  HEADROOM_CAP,
  type Headroom,
  type PlanMachineSet,
  type PlannedMachine,
  type PlanReport,
} from "./types.ts";

export interface PlanInput {
  readonly source: string;
  readonly snapshot: ClusterSnapshot;
  readonly sets: readonly PlanMachineSet[];
  readonly overcommit?: Partial<Overcommit>;
}

function requestFor(set: PlanMachineSet, index: number): PlacementRequest {
  return { requestId: `${set.id}-${index + 1}`, machineRequestSetId: set.id, role: set.role, data: set.data };
}

/**
 * @example
 * const report = planPlacement({ source: "lab .lab", snapshot, sets: [{ id: "w", role: "worker", className: "matrix-worker", count: 2, data }] });
 * report.machines.map((m) => m.ok ? `${m.name} → ${m.node}` : `${m.name}: ${m.message}`);
 */
export function planPlacement(input: PlanInput): PlanReport {
  const overcommit = { ...DEFAULT_OVERCOMMIT, ...input.overcommit };
  const ordered = [...input.sets].sort((a, b) => (a.role === b.role ? 0 : a.role === "control-plane" ? -1 : 1));
  const reservations: Reservation[] = [];
  const machines: PlannedMachine[] = [];
  const existing = existingMachines(input.snapshot, ordered);
  for (const set of ordered) {
    const have = existing.filter((e) => e.set === set.id).length;
    for (let i = have; i < set.count; i++) {
      const request = requestFor(set, i);
      const r = placeMachine({ snapshot: input.snapshot, request, reservations, overcommit });
      const base = { set: set.id, className: set.className, name: request.requestId };
      if (r.ok) {
        reservations.push(r.decision.reservation);
        const reason = r.decision.explanation.find((e) => e.chosen)?.reason ?? r.decision.summary;
        machines.push({
          ...base,
          ok: true,
          node: r.decision.node,
          storages: r.decision.storages,
          reason,
          nodes: r.decision.explanation,
        });
      } else {
        machines.push({
          ...base,
          ok: false,
          code: r.error.code,
          message: r.error.message,
          rejections: r.error.rejections,
        });
      }
    }
  }
  const classes = uniqueBy(ordered, (s) => s.className);
  return {
    source: input.source,
    existing,
    overcommit,
    nodes: [...input.snapshot.nodes]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((n) => ({
        name: n.name,
        status: n.status,
        cpus: n.maxcpu,
        memoryBytes: n.maxmem,
        planned: machines.filter((m) => m.ok && m.node === n.name).length,
      })),
    machines,
    selectors: classes.flatMap((s) => selectorMatches(s.className, s.data, input.snapshot)),
    fits: machines.every((m) => m.ok),
    headroom: classes.map((s) => headroomFor(s, input.snapshot, reservations, overcommit)),
  };
}

/**
 * VMs whose marks name a request of a planned set (Omni names requests `<set>-<6 chars>`): a template
 * that is already deployed is not placed a second time, as syncing it again would create nothing.
 */
function existingMachines(snapshot: ClusterSnapshot, sets: readonly PlanMachineSet[]): ExistingMachine[] {
  const out: ExistingMachine[] = [];
  for (const vm of snapshot.vms) {
    const set = sets.find(
      (s) =>
        vm.requestId !== undefined &&
        /^[a-z0-9]{6}$/.test(vm.requestId.slice(s.id.length + 1)) &&
        vm.requestId.startsWith(`${s.id}-`),
    );
    if (set && vm.requestId) out.push({ set: set.id, requestId: vm.requestId, vmid: vm.vmid, node: vm.node });
  }
  return out.sort((a, b) => a.vmid - b.vmid);
}

/** Keeps placing machines of one class on top of the plan until one does not fit. */
function headroomFor(
  set: PlanMachineSet,
  snapshot: ClusterSnapshot,
  planned: readonly Reservation[],
  overcommit: Overcommit,
): Headroom {
  const reservations = [...planned];
  const probe: PlanMachineSet = { ...set, id: `${set.className}-headroom` };
  for (let more = 0; more < HEADROOM_CAP; more++) {
    const r = placeMachine({ snapshot, request: requestFor(probe, more), reservations, overcommit });
    if (!r.ok) return { className: set.className, more, capped: false, limit: r.error.message };
    reservations.push(r.decision.reservation);
  }
  return { className: set.className, more: HEADROOM_CAP, capped: true, limit: `at least ${HEADROOM_CAP} more fit` };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
