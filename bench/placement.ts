/**
 * Placement (src/provider/placement): one decision on the seed's 3-node cluster, one on a 50-node
 * cluster with 1000 VMs and 100 in-flight reservations, and 30 requests placed in sequence with each
 * decision fed back as a reservation (what a burst of machine requests costs).
 */
import {
  type ClusterSnapshot,
  type PlacementRequest,
  placeMachine,
  type Reservation,
  type VmSnapshot,
} from "../src/provider/placement/index.ts";
import { type ProviderData, parseProviderData } from "../src/provider/providerdata/index.ts";
import type { NodeFacts, StorageFacts } from "../src/provider/selectors/index.ts";
import { latencyFigure, rateFigure, timeSync, warmUp } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome } from "./lib/types.ts";

const GIB = 1024 ** 3;

function providerData(yaml: string): ProviderData {
  const r = parseProviderData(yaml);
  if (!r.ok) throw new Error(`benchmark providerdata is invalid: ${r.errors.map((e) => e.message).join("; ")}`);
  return r.data;
}

/** The seed's two machine classes (matrix-control-plane, matrix-worker). */
const CONTROL_PLANE = providerData(
  'cores: 4\nsockets: 1\nmemory: 8192\ndisk_size: 50\nnetwork_bridge: vmbr0\nstorage_selector: name == "vm_ssd"',
);
const WORKER = providerData('cores: 4\nsockets: 1\nmemory: 16384\ndisk_size: 100\nstorage_selector: name == "vm_ssd"');

function node(name: string, memoryGiB: number): NodeFacts {
  return { name, status: "online", maxcpu: 64, maxmem: memoryGiB * GIB, mem: 10 * GIB, cpu: 0.1, tags: [] };
}

function storagesOf(nodeName: string): StorageFacts[] {
  const base = { node: nodeName, active: true, enabled: true, used: 0 };
  return [
    {
      ...base,
      storage: "local",
      type: "dir",
      content: ["iso", "snippets", "import"],
      shared: false,
      avail: 80 * GIB,
      total: 100 * GIB,
    },
    {
      ...base,
      storage: "local-lvm",
      type: "lvmthin",
      content: ["images", "rootdir"],
      shared: false,
      avail: 800 * GIB,
      total: 900 * GIB,
    },
    {
      ...base,
      storage: "vm_ssd",
      type: "rbd",
      content: ["images"],
      shared: true,
      avail: 60_000 * GIB,
      total: 100_000 * GIB,
    },
  ];
}

function cluster(nodeCount: number, memoryGiB: number, vmCount: number): ClusterSnapshot {
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(`pve-${String(i).padStart(2, "0")}`, memoryGiB));
  const vms: VmSnapshot[] = Array.from({ length: vmCount }, (_, i) => ({
    vmid: 1000 + i,
    node: nodes[i % nodes.length]?.name ?? "pve-00",
    maxmem: (2 + (i % 4) * 2) * GIB,
    maxcpu: 2 + (i % 3),
    ...(i % 10 === 0 ? { template: true } : {}),
    ...(i % 3 === 0 ? { requestId: `req-${i}`, machineRequestSetId: `set-${i % 7}`, role: "worker" as const } : {}),
  }));
  return { nodes, vms, storages: nodes.flatMap((n) => storagesOf(n.name)) };
}

function reservations(snapshot: ClusterSnapshot, count: number): Reservation[] {
  return Array.from({ length: count }, (_, i) => ({
    requestId: `inflight-${i}`,
    machineRequestSetId: `set-${i % 5}`,
    role: "worker" as const,
    node: snapshot.nodes[(i * 7) % snapshot.nodes.length]?.name ?? "pve-00",
    memoryBytes: 4 * GIB,
    vcpus: 2,
    volumes: [{ storage: "vm_ssd", node: "pve-00", shared: true, bytes: 50 * GIB }],
  }));
}

function request(id: string, role: "control-plane" | "worker", set: string): PlacementRequest {
  return { requestId: id, role, machineRequestSetId: set, data: role === "control-plane" ? CONTROL_PLANE : WORKER };
}

function mustPlace(input: Parameters<typeof placeMachine>[0]): Reservation {
  const r = placeMachine(input);
  if (!r.ok) throw new Error(`benchmark placement failed: ${r.error.code}: ${r.error.message}`);
  return r.decision.reservation;
}

/** 3 control planes then 27 workers, each decision persisted as a reservation for the next. */
function placeSequence(snapshot: ClusterSnapshot, n: number): number {
  const reserved: Reservation[] = [];
  for (let i = 0; i < n; i++) {
    const role = i < 3 ? "control-plane" : "worker";
    const set = role === "control-plane" ? "talos-prod-01-control-planes" : "talos-prod-01-workers";
    reserved.push(mustPlace({ snapshot, request: request(`burst-${i}`, role, set), reservations: reserved }));
  }
  return reserved.length;
}

export const placementBenchmark: Benchmark = {
  name: "placement",
  title: "placement: 3 nodes; 50 nodes × 1000 VMs × 100 reservations; 30 requests in sequence",
  budgetMs: { full: 6_000, quick: 1_200 },
  async run(ctx): Promise<BenchOutcome> {
    const slice = ctx.budgetMs / 4;
    const small = cluster(3, 256, 1);
    const large = cluster(50, 512, 1000);
    const largeReservations = reservations(large, 100);
    // Sanity: every workload must place, or the figures would time the error path.
    mustPlace({ snapshot: small, request: request("probe", "worker", "s"), reservations: [] });
    mustPlace({ snapshot: large, request: request("probe", "worker", "s"), reservations: largeReservations });
    if (placeSequence(small, 30) !== 30) throw new Error("30-request sequence did not place every request");

    warmUp(
      [
        (i) => placeMachine({ snapshot: small, request: request(`w-${i}`, "worker", "set-a"), reservations: [] }),
        (i) =>
          placeMachine({
            snapshot: large,
            request: request(`w-${i}`, "worker", "set-3"),
            reservations: largeReservations,
          }),
        (i) =>
          placeMachine({
            snapshot: large,
            request: request(`w-${i}`, "control-plane", "cps"),
            reservations: largeReservations,
          }),
      ],
      slice * 0.3,
    );
    const three = timeSync(
      (i) => placeMachine({ snapshot: small, request: request(`r-${i}`, "worker", "set-a"), reservations: [] }),
      { maxOps: ctx.quick ? 5_000 : 50_000, budgetMs: slice, batch: 20 },
    );
    const fifty = timeSync(
      (i) =>
        placeMachine({
          snapshot: large,
          request: request(`r-${i}`, "worker", "set-3"),
          reservations: largeReservations,
        }),
      { maxOps: ctx.quick ? 300 : 5_000, budgetMs: slice, batch: 2 },
    );
    const fiftyCp = timeSync(
      (i) =>
        placeMachine({
          snapshot: large,
          request: request(`cp-${i}`, "control-plane", "cps"),
          reservations: largeReservations,
        }),
      { maxOps: ctx.quick ? 300 : 5_000, budgetMs: slice, batch: 2 },
    );
    const sequence = timeSync(() => placeSequence(small, 30), {
      maxOps: ctx.quick ? 200 : 2_000,
      budgetMs: slice,
      batch: 1,
    });
    return {
      status: "ok",
      figures: [
        rateFigure("decide.3-nodes", three, "worker, empty cluster"),
        rateFigure("decide.50-nodes", fifty, "worker; 1000 VMs, 100 reservations"),
        rateFigure("decide.50-nodes.cp", fiftyCp, "control plane; same cluster"),
        latencyFigure("sequence.30", sequence, "ms per burst of 30 (3 CP + 27 workers, 3 nodes)"),
      ],
    };
  },
};
