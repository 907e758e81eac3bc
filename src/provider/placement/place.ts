/**
 * Placement: a pure function from one cluster snapshot, the request and the in-flight reservations
 * to a node + storages + an explanation for every node — or a typed error with every node's reason.
 *
 * Order: `node` pin or `node_selector` → (strict HA node affinity) → online → committed memory, vCPUs
 * and storage after reservations and overcommit → strategy → tie-break (most free committed memory,
 * then name). An offline node is only ever a rejection, never a failure of the whole decision.
 */
import {
  compileNodeSelector,
  compileStorageSelector,
  formatBytes,
  type NodeFacts,
  type StorageFacts,
  type StorageSelectorProgram,
  selectStorage,
} from "../selectors/index.ts";
import { PlacementError } from "./errors.ts";
import { buildLedger, type Ledger, type NodeLoad } from "./ledger.ts";
import {
  DEFAULT_OVERCOMMIT,
  type NodeExplanation,
  type NodeRejection,
  type Overcommit,
  type PlacementDecision,
  type PlacementInput,
  type PlacementRequest,
  type ReservedVolume,
  type StorageChoice,
} from "./types.ts";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
/** Room kept for a Talos ISO on the ISO storage (downloaded once per node and shared). */
export const ISO_BYTES = 512 * MIB;
/** A cidata image is a few KiB; keep a margin. */
export const CIDATA_BYTES = 4 * MIB;

interface Candidate {
  readonly node: NodeFacts;
  readonly load: NodeLoad;
  readonly memoryLimit: number;
  /** Committed memory left after this request lands here. */
  readonly freeAfter: number;
  readonly storages: StorageChoice;
  readonly volumes: readonly ReservedVolume[];
}

interface Programs {
  readonly boot: StorageSelectorProgram;
  readonly additional: readonly StorageSelectorProgram[];
  readonly iso: StorageSelectorProgram;
  readonly cidata: StorageSelectorProgram;
}

function compileStorage(path: string, expression: string): StorageSelectorProgram {
  const r = compileStorageSelector(expression);
  if (!r.ok) throw new PlacementError("invalid_selector", `${path}: ${r.error.message}`, [], { cause: r.error });
  return r.program;
}

function compilePrograms(request: PlacementRequest): Programs {
  const d = request.data;
  return {
    boot: compileStorage("storage_selector", d.storage_selector),
    additional: d.additional_disks.map((disk, i) =>
      compileStorage(`additional_disks[${i}].storage_selector`, disk.storage_selector),
    ),
    iso: compileStorage("iso_storage_selector", d.iso_storage_selector ?? "true"),
    cidata: compileStorage("cidata_storage_selector", d.cidata_storage_selector ?? "true"),
  };
}

/** Nodes the pin / node_selector / strict HA affinity allow; the rest are rejected with a reason. */
function filterByChoice(
  nodes: readonly NodeFacts[],
  request: PlacementRequest,
  rejections: NodeRejection[],
): NodeFacts[] {
  const d = request.data;
  let allowed = [...nodes];
  if (d.node !== undefined) {
    const pinned = nodes.find((n) => n.name === d.node);
    if (!pinned) {
      throw new PlacementError(
        "unknown_pinned_node",
        `node ${JSON.stringify(d.node)} (providerdata node) is not in the cluster; nodes: ${nodes.map((n) => n.name).join(", ")}`,
      );
    }
    if (pinned.status !== "online") {
      throw new PlacementError(
        "offline_pinned_node",
        `pinned node ${JSON.stringify(d.node)} is ${pinned.status}; bring it online or change providerdata node`,
      );
    }
    for (const n of nodes)
      if (n !== pinned)
        rejections.push({ node: n.name, code: "not_pinned", reason: `providerdata pins node ${d.node}` });
    allowed = [pinned];
  } else if (d.node_selector !== undefined) {
    const compiled = compileNodeSelector(d.node_selector);
    if (!compiled.ok)
      throw new PlacementError("invalid_selector", `node_selector: ${compiled.error.message}`, [], {
        cause: compiled.error,
      });
    const selected: NodeFacts[] = [];
    const notSelected: NodeRejection[] = [];
    for (const n of nodes) {
      const e = compiled.program.evaluate(n);
      if (e.ok && e.matched) selected.push(n);
      else
        notSelected.push({
          node: n.name,
          code: "not_selected",
          reason: e.ok ? `node_selector ${d.node_selector} is false` : e.message,
        });
    }
    if (selected.length === 0)
      throw new PlacementError(
        "selector_matched_nothing",
        `node_selector ${JSON.stringify(d.node_selector)} matched no node`,
        notSelected,
      );
    rejections.push(...notSelected);
    allowed = selected;
  }
  const ha = d.ha;
  if (ha?.node_affinity_strict === true && ha.node_affinity_nodes !== undefined) {
    const names = new Set(ha.node_affinity_nodes.map((entry) => entry.split(":")[0]));
    allowed = allowed.filter((n) => {
      if (names.has(n.name)) return true;
      rejections.push({ node: n.name, code: "outside_ha_affinity", reason: "not in ha.node_affinity_nodes (strict)" });
      return false;
    });
  }
  return allowed;
}

function pickStorages(
  node: NodeFacts,
  request: PlacementRequest,
  programs: Programs,
  storages: readonly StorageFacts[],
  ledger: Ledger,
  overcommit: Overcommit,
): { ok: true; storages: StorageChoice; volumes: ReservedVolume[] } | { ok: false; reason: string } {
  const d = request.data;
  const volumes: ReservedVolume[] = [];
  const scaled = storages.map((s) => (overcommit.storage === 1 ? s : { ...s, avail: s.avail * overcommit.storage }));
  const reservedBytes = (s: StorageFacts) =>
    ledger.reservedOn(s) +
    volumes.filter((v) => v.storage === s.storage && (v.shared || v.node === s.node)).reduce((a, v) => a + v.bytes, 0);
  const pick = (program: StorageSelectorProgram, content: "images" | "iso", bytes: number, what: string) => {
    const r = selectStorage(program, scaled, { node: node.name, content, needBytes: bytes, reservedBytes });
    if (!r.ok) return { ok: false as const, reason: `${what}: ${r.message}` };
    volumes.push({ storage: r.storage.storage, node: node.name, shared: r.storage.shared, bytes });
    return { ok: true as const, name: r.storage.storage };
  };
  const boot = pick(programs.boot, "images", d.disk_size * GIB, "boot disk");
  if (!boot.ok) return boot;
  const additional: string[] = [];
  for (const [i, disk] of d.additional_disks.entries()) {
    const program = programs.additional[i];
    if (!program) continue;
    const r = pick(program, "images", disk.disk_size * GIB, `additional_disks[${i}]`);
    if (!r.ok) return r;
    additional.push(r.name);
  }
  const iso = pick(programs.iso, "iso", ISO_BYTES, "Talos ISO");
  if (!iso.ok) return iso;
  const cidata = pick(programs.cidata, "iso", CIDATA_BYTES, "cidata image");
  if (!cidata.ok) return cidata;
  // ISO and cidata space is shared/short-lived; only disks are worth reserving.
  const diskVolumes = volumes.slice(0, 1 + additional.length);
  return {
    ok: true,
    storages: { boot: boot.name, additional, iso: iso.name, cidata: cidata.name },
    volumes: diskVolumes,
  };
}

function evaluateNode(
  node: NodeFacts,
  input: PlacementInput,
  programs: Programs,
  ledger: Ledger,
  overcommit: Overcommit,
): { ok: true; candidate: Candidate } | { ok: false; rejection: NodeRejection } {
  const d = input.request.data;
  const reject = (code: NodeRejection["code"], reason: string) => ({
    ok: false as const,
    rejection: { node: node.name, code, reason },
  });
  if (node.status !== "online") return reject("offline", `node is ${node.status}`);
  const load = ledger.load(node.name);
  const needMemory = d.memory * MIB;
  const memoryLimit = node.maxmem * overcommit.memory;
  if (load.memoryBytes + needMemory > memoryLimit) {
    return reject(
      "insufficient_memory",
      `committed memory ${formatBytes(load.memoryBytes)} + ${formatBytes(needMemory)} exceeds ${formatBytes(memoryLimit)} (${formatBytes(node.maxmem)} × overcommit ${overcommit.memory})`,
    );
  }
  const needCpu = d.cores * d.sockets;
  const cpuLimit = node.maxcpu * overcommit.cpu;
  if (load.vcpus + needCpu > cpuLimit) {
    return reject(
      "insufficient_cpu",
      `committed vCPUs ${load.vcpus} + ${needCpu} exceed ${cpuLimit} (${node.maxcpu} × overcommit ${overcommit.cpu})`,
    );
  }
  const storages = pickStorages(node, input.request, programs, input.snapshot.storages, ledger, overcommit);
  if (!storages.ok) return reject("no_storage", storages.reason);
  return {
    ok: true,
    candidate: {
      node,
      load,
      memoryLimit,
      freeAfter: memoryLimit - load.memoryBytes - needMemory,
      storages: storages.storages,
      volumes: storages.volumes,
    },
  };
}

/** 0 when the node is one of ha.node_affinity_nodes (HA would move the VM there anyway), else 1. */
function affinityKey(c: Candidate, request: PlacementRequest): number {
  const nodes = request.data.ha?.node_affinity_nodes;
  if (nodes === undefined) return 0;
  return nodes.some((entry) => entry.split(":")[0] === c.node.name) ? 0 : 1;
}

/** Strategy key: lower sorts first. Ties fall to most free committed memory, then name. */
function strategyKey(c: Candidate, request: PlacementRequest): number[] {
  const affinity = affinityKey(c, request);
  switch (request.data.placement_strategy) {
    case "spread":
      return [affinity, c.load.setMembers, request.role === "control-plane" ? c.load.controlPlanes : 0];
    case "fewer-vms":
      return [affinity, c.load.guests];
    case "binpack":
      return [affinity, c.freeAfter];
    case "round-robin":
      return [affinity];
  }
}

function compareCandidates(a: Candidate, b: Candidate, request: PlacementRequest): number {
  const ka = strategyKey(a, request);
  const kb = strategyKey(b, request);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const diff = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (a.freeAfter !== b.freeAfter) return b.freeAfter - a.freeAfter;
  return a.node.name < b.node.name ? -1 : a.node.name > b.node.name ? 1 : 0;
}

function choose(candidates: readonly Candidate[], request: PlacementRequest, ledger: Ledger): Candidate {
  if (request.data.placement_strategy === "round-robin") {
    const best = Math.min(...candidates.map((c) => affinityKey(c, request)));
    const byName = candidates
      .filter((c) => affinityKey(c, request) === best)
      .sort((a, b) => (a.node.name < b.node.name ? -1 : 1));
    const turn = request.machineRequestSetId !== undefined ? ledger.setSize : ledger.totalGuests;
    return byName[turn % byName.length] as Candidate;
  }
  return [...candidates].sort((a, b) => compareCandidates(a, b, request))[0] as Candidate;
}

function whyChosen(c: Candidate, request: PlacementRequest): string {
  const free = `${formatBytes(c.freeAfter)} committed memory left after placing`;
  switch (request.data.placement_strategy) {
    case "spread":
      return request.machineRequestSetId !== undefined
        ? `fewest members of its machine request set (${c.load.setMembers}); ${free}`
        : `spread; ${free}`;
    case "fewer-vms":
      return `fewest guests (${c.load.guests}); ${free}`;
    case "binpack":
      return `binpack: least room that still fits; ${free}`;
    case "round-robin":
      return `round-robin turn; ${free}`;
  }
}

function whyNot(c: Candidate, chosen: Candidate, request: PlacementRequest): string {
  const s = request.data.placement_strategy;
  if (affinityKey(c, request) > affinityKey(chosen, request)) return "fits, but is not in ha.node_affinity_nodes";
  if (s === "spread" && c.load.setMembers > chosen.load.setMembers)
    return `fits, but holds ${c.load.setMembers} member(s) of the set vs ${chosen.load.setMembers} on ${chosen.node.name}`;
  if (s === "fewer-vms" && c.load.guests > chosen.load.guests)
    return `fits, but has ${c.load.guests} guests vs ${chosen.load.guests} on ${chosen.node.name}`;
  if (s === "binpack" && c.freeAfter > chosen.freeAfter)
    return `fits, but has more room than ${chosen.node.name} (binpack fills nodes)`;
  if (s === "round-robin") return `fits; not its round-robin turn`;
  return `fits, but ${chosen.node.name} wins the tie-break (${formatBytes(chosen.freeAfter)} vs ${formatBytes(c.freeAfter)} committed memory left, then name)`;
}

function resolveOvercommit(partial: Partial<Overcommit> | undefined): Overcommit {
  const o = { ...DEFAULT_OVERCOMMIT, ...partial };
  for (const [key, value] of Object.entries(o)) {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`overcommit.${key} must be a positive number, got ${String(value)}`);
  }
  return o;
}

/**
 * Places one machine request. Throws nothing for expected outcomes: returns a typed PlacementError
 * instead (the caller shows its message on MachineRequestStatus and retries later).
 *
 * @example
 * const r = placeMachine({ snapshot, request: { requestId: "req-1", machineRequestSetId: "cp", role: "control-plane", data }, reservations });
 * if (r.ok) await persist(r.decision.reservation); else status(r.error.message);
 */
export function placeMachine(
  input: PlacementInput,
): { ok: true; decision: PlacementDecision } | { ok: false; error: PlacementError } {
  try {
    return { ok: true, decision: decide(input) };
  } catch (err) {
    if (err instanceof PlacementError) return { ok: false, error: err };
    throw err;
  }
}

function decide(input: PlacementInput): PlacementDecision {
  const { request, snapshot } = input;
  const overcommit = resolveOvercommit(input.overcommit);
  const programs = compilePrograms(request);
  const ledger = buildLedger(snapshot, input.reservations, request);
  const nodes = [...snapshot.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (nodes.length === 0) throw new PlacementError("no_node_fits", "the cluster snapshot lists no nodes");

  const rejections: NodeRejection[] = [];
  const allowed = filterByChoice(nodes, request, rejections);
  const candidates: Candidate[] = [];
  for (const node of allowed) {
    const r = evaluateNode(node, input, programs, ledger, overcommit);
    if (r.ok) candidates.push(r.candidate);
    else rejections.push(r.rejection);
  }

  if (candidates.length === 0) {
    const capacity = rejections.filter(
      (r) => !["not_pinned", "not_selected", "outside_ha_affinity", "offline"].includes(r.code),
    );
    const memoryOnly = capacity.length > 0 && capacity.every((r) => r.code === "insufficient_memory");
    const ordered = [...rejections].sort((a, b) => (a.node < b.node ? -1 : 1));
    throw new PlacementError(
      memoryOnly ? "insufficient_memory" : "no_node_fits",
      memoryOnly
        ? `no node has ${formatBytes(request.data.memory * MIB)} of committed memory left for ${request.requestId}`
        : `no node fits ${request.requestId}`,
      ordered,
    );
  }

  const chosen = choose(candidates, request, ledger);
  const explanation: NodeExplanation[] = nodes.map((n) => {
    const candidate = candidates.find((c) => c.node.name === n.name);
    if (candidate === chosen) return { node: n.name, chosen: true, eligible: true, reason: whyChosen(chosen, request) };
    if (candidate) return { node: n.name, chosen: false, eligible: true, reason: whyNot(candidate, chosen, request) };
    const rejection = rejections.find((r) => r.node === n.name);
    return { node: n.name, chosen: false, eligible: false, reason: rejection?.reason ?? "not considered" };
  });
  const disks = [chosen.storages.boot, ...chosen.storages.additional].join(", ");
  return {
    node: chosen.node.name,
    storages: chosen.storages,
    reservation: {
      requestId: request.requestId,
      ...(request.machineRequestSetId !== undefined ? { machineRequestSetId: request.machineRequestSetId } : {}),
      ...(request.role !== undefined ? { role: request.role } : {}),
      node: chosen.node.name,
      memoryBytes: request.data.memory * MIB,
      vcpus: request.data.cores * request.data.sockets,
      volumes: chosen.volumes,
    },
    explanation,
    summary: `${request.requestId} → ${chosen.node.name} (disks on ${disks}; ISO on ${chosen.storages.iso}): ${whyChosen(chosen, request)}`,
  };
}

/** Control planes first, then by request ID: the order a batch of requests should be placed in. */
export function placementOrder<T extends { readonly requestId: string; readonly role?: string }>(
  requests: readonly T[],
): T[] {
  return [...requests].sort((a, b) => {
    const ra = a.role === "control-plane" ? 0 : 1;
    const rb = b.role === "control-plane" ? 0 : 1;
    return ra - rb || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0);
  });
}
