/**
 * Proxmox simulator + client over HTTPS (src/lab/pve + src/proxmox): GET /cluster/resources throughput
 * at one and eight requests in flight, and qemu create + delete round trips (each waiting for its task),
 * with client-side latency p50/p95, requests per round trip and the process's heap/RSS growth.
 */
import { defaultMatrixWorld, type PveSimulator, type PveWorld, startPveSimulator } from "../src/lab/pve/index.ts";
import { encodePropertyString, ProxmoxClient } from "../src/proxmox/index.ts";
import { latencyFigure, memoryDelta, memoryNow, rateFigure, timeAsync } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome, Figure } from "./lib/types.ts";

/** VMs added to the default world so /cluster/resources has a realistic size. */
const EXTRA_VMS = 200;
const VMID_BASE = 7000;
const NODE = "foxtrot";

function benchWorld(): PveWorld {
  const world = defaultMatrixWorld();
  const nodes = world.nodes.map((n) => n.name);
  for (let i = 0; i < EXTRA_VMS; i++) {
    const vmid = 1000 + i;
    world.vms.push({
      vmid,
      node: nodes[i % nodes.length] ?? NODE,
      status: i % 5 === 0 ? "stopped" : "running",
      config: {
        name: `existing-${i}`,
        cores: 2,
        sockets: 1,
        memory: "4096",
        scsihw: "virtio-scsi-single",
        scsi0: `vm_ssd:vm-${vmid}-disk-0,iothread=1,size=32G`,
        net0: `virtio=BC:24:11:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")},bridge=vmbr0`,
        tags: "existing",
      },
    });
  }
  return world;
}

/** The create parameters the provider sends for a small Talos VM. */
function createParams(vmid: number) {
  return {
    vmid,
    name: `bench-${vmid}`,
    cores: 2,
    sockets: 1,
    memory: encodePropertyString("memory", { current: 2048 }),
    cpu: encodePropertyString("cpu", { cputype: "x86-64-v2-AES" }),
    scsihw: "virtio-scsi-single",
    scsi0: encodePropertyString("scsi", { file: "vm_ssd:8", ssd: true, discard: "on", iothread: true }),
    net0: encodePropertyString("net", { model: "virtio", bridge: "vmbr0", firewall: true }),
    agent: encodePropertyString("agent", { enabled: true }),
    tags: "omni-proxmox;bench",
  };
}

export const proxmoxBenchmark: Benchmark = {
  name: "proxmox",
  title: `Proxmox simulator + client over HTTPS: GET /cluster/resources (${EXTRA_VMS + 1} VMs), qemu create+delete`,
  budgetMs: { full: 15_000, quick: 2_000 },
  async run(ctx): Promise<BenchOutcome> {
    let sim: PveSimulator | undefined;
    let client: ProxmoxClient | undefined;
    try {
      sim = await startPveSimulator({ world: benchWorld(), timeFactor: 0 });
      let requests = 0;
      client = new ProxmoxClient({
        url: sim.url,
        tokenID: sim.tokens.provider.tokenId,
        tokenSecret: sim.tokens.provider.secret,
        caFile: sim.caFile,
        retry: { attempts: 1, initialMs: 1, maxMs: 1 },
        onRequest: () => {
          requests++;
        },
      });
      const pve = client;
      const resources = await pve.clusterResources();
      ctx.log(`/cluster/resources lists ${resources.length} entries`);
      const before = memoryNow();
      const slice = ctx.budgetMs / 4;

      const serial = await timeAsync(() => pve.clusterResources(), {
        maxOps: ctx.quick ? 300 : 3_000,
        budgetMs: slice,
      });
      const parallel = await timeAsync(() => pve.clusterResources(), {
        maxOps: ctx.quick ? 600 : 6_000,
        budgetMs: slice,
        concurrency: 8,
      });

      // Tasks finish instantly (timeFactor 0), so polling every 1 ms measures the API, not a sleep.
      const wait = { pollMs: 1, maxPollMs: 2, timeoutMs: 10_000 };
      let vmid = VMID_BASE;
      const roundTrip = async () => {
        const id = vmid++;
        await pve.waitForTask(await pve.createVm(NODE, createParams(id)), wait);
        await pve.waitForTask(await pve.deleteVm(NODE, id, { purge: true, destroyUnreferencedDisks: true }), wait);
      };
      const requestsBefore = requests;
      const rtSerial = await timeAsync(roundTrip, { maxOps: ctx.quick ? 40 : 400, budgetMs: slice, warmup: 3 });
      const requestsPerRoundTrip = (requests - requestsBefore) / (rtSerial.ops + 3);
      const rtParallel = await timeAsync(roundTrip, {
        maxOps: ctx.quick ? 80 : 800,
        budgetMs: slice,
        concurrency: 4,
        warmup: 0,
      });
      const memory = memoryDelta(before);
      const figures: Figure[] = [
        rateFigure("cluster-resources.c1", serial, "1 in flight; latency = client side"),
        rateFigure("cluster-resources.c8", parallel, "8 in flight"),
        rateFigure("qemu-create-delete.c1", rtSerial, "create+task, delete+task; round trips/s"),
        rateFigure("qemu-create-delete.c4", rtParallel, "4 in flight (VMID per round trip)"),
        {
          name: "requests-per-round-trip",
          value: requestsPerRoundTrip,
          unit: "count",
          note: "HTTP requests per create+delete incl. task polls",
        },
        latencyFigure("qemu-create-delete.latency", rtSerial, "ms per round trip, 1 in flight"),
        { name: "heap-delta", value: memory.heapMB, unit: "MB", note: "after GC, simulator + client, whole load" },
        { name: "rss-delta", value: memory.rssMB, unit: "MB", note: "after GC" },
      ];
      return { status: "ok", figures };
    } finally {
      await client?.close();
      await sim?.close();
    }
  },
};
