/**
 * End to end: the real provider (`startProvider`) against the Proxmox and Omni simulators over the wire,
 * driven by the lab scenario (the seed's cluster template and machine classes). Figures: time until every
 * machine is provisioned and registered (5 = the seed, 30 = 3 control planes + 27 workers), per-machine
 * ready time p50/p95, Proxmox requests per machine, and the process's heap growth while provisioning.
 *
 * The provider and the simulators share one process, so heap growth includes the simulators' new state
 * (VMs, resources, files); compare it between runs, not against an absolute limit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderConfig } from "../src/config/index.ts";
import type { ImageFactory } from "../src/lab/factory/index.ts";
import type { OmniSimulator } from "../src/lab/omni/index.ts";
import type { PveSimulator, PveWorld } from "../src/lab/pve/index.ts";
import type { LabScenario } from "../src/lab/scenario/index.ts";
import type { RunningProvider, StartProviderOptions } from "../src/provider/service.ts";
import { memoryNow, msSince, percentile } from "./lib/measure.ts";
import type { BenchContext, Benchmark, BenchOutcome, Figure } from "./lib/types.ts";

const PROVIDER_ID = "matrix-cluster";
const GIB = 1024 ** 3;
/** Simulated Proxmox task durations × this: a 5 s clone-sized task takes 50 ms. */
const TIME_FACTOR = 0.01;

/** The modules this benchmark composes; loaded lazily so a colleague's unfinished module means "skipped". */
interface Modules {
  startProvider: typeof import("../src/provider/service.ts").startProvider;
  LabScenario: typeof import("../src/lab/scenario/index.ts").LabScenario;
  loadSeedScenario: typeof import("../src/lab/scenario/index.ts").loadSeedScenario;
  startPveSimulator: typeof import("../src/lab/pve/index.ts").startPveSimulator;
  defaultMatrixWorld: typeof import("../src/lab/pve/index.ts").defaultMatrixWorld;
  startOmniSimulator: typeof import("../src/lab/omni/index.ts").startOmniSimulator;
  startImageFactory: typeof import("../src/lab/factory/index.ts").startImageFactory;
  silentLogger: typeof import("../src/observability/logger.ts").silentLogger;
}

async function loadModules(): Promise<Modules | string> {
  try {
    const [service, scenario, pve, omni, factory, logger] = await Promise.all([
      import("../src/provider/service.ts"),
      import("../src/lab/scenario/index.ts"),
      import("../src/lab/pve/index.ts"),
      import("../src/lab/omni/index.ts"),
      import("../src/lab/factory/index.ts"),
      import("../src/observability/logger.ts"),
    ]);
    if (typeof service.startProvider !== "function") return "src/provider/service.ts has no startProvider export";
    if (typeof scenario.LabScenario !== "function") return "src/lab/scenario has no LabScenario export";
    return {
      startProvider: service.startProvider,
      LabScenario: scenario.LabScenario,
      loadSeedScenario: scenario.loadSeedScenario,
      startPveSimulator: pve.startPveSimulator,
      defaultMatrixWorld: pve.defaultMatrixWorld,
      startOmniSimulator: omni.startOmniSimulator,
      startImageFactory: factory.startImageFactory,
      silentLogger: logger.silentLogger,
    };
  } catch (err) {
    return `provider composition or lab scenario does not load: ${(err as Error).message.split("\n")[0]}`;
  }
}

/** The seed's matrix cluster with nodes large enough for 30 machines (27 workers × 16 GiB). */
function worldFor(m: Modules, machines: number): PveWorld {
  const world = m.defaultMatrixWorld();
  const perNodeGiB = Math.max(64, Math.ceil((machines * 16) / world.nodes.length / 64) * 64 + 64);
  for (const node of world.nodes) node.memoryBytes = perNodeGiB * GIB;
  return world;
}

/** Provider timings for a simulated cluster whose tasks take milliseconds (as the integration tests use). */
function fastOptions(m: Modules): StartProviderOptions {
  return {
    logger: m.silentLogger(),
    timing: {
      task: { timeoutMs: 30_000, pollMs: 5, maxPollMs: 40 },
      busyRetryMs: 20,
      failRetryMs: 20,
      maxRetryMs: 200,
      capacityRetryMs: 100,
    },
    runtime: {
      heartbeatIntervalMs: 1_000,
      resyncIntervalMs: 2_000,
      errorBackoff: { initialMs: 10, factor: 1.5, maxMs: 200, jitter: 0 },
      failBackoff: { initialMs: 20, factor: 1.5, maxMs: 200, jitter: 0 },
      watchBackoff: { initialMs: 10, factor: 1.5, maxMs: 200, jitter: 0 },
      leaseOptions: { enabled: false },
    },
    gc: { isoGraceMs: 0 },
    proxmox: { retry: { attempts: 3, initialMs: 5, maxMs: 20 } },
  };
}

interface ProvisionResult {
  machines: number;
  totalMs: number;
  firstReadyMs: number;
  readyP50Ms: number;
  readyP95Ms: number;
  requests: { total: number; writes: number; taskPolls: number };
  /** Heap retained by starting the provider (clients, runtime, watches), before any request. */
  startHeapMB: number;
  heapGrowthMB: number;
  rssGrowthMB: number;
}

/** Counts the provider's Proxmox requests from its own metrics (every request passes `onRequest`). */
async function proxmoxRequests(provider: RunningProvider): Promise<ProvisionResult["requests"]> {
  const metric = await provider.metrics.proxmoxRequests.get();
  const out = { total: 0, writes: 0, taskPolls: 0 };
  for (const v of metric.values) {
    out.total += v.value;
    if (v.labels.method !== "GET") out.writes += v.value;
    if (String(v.labels.endpoint ?? "").includes("/tasks/")) out.taskPolls += v.value;
  }
  return out;
}

async function provision(
  m: Modules,
  machines: number,
  timeoutMs: number,
  log: BenchContext["log"],
): Promise<ProvisionResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "omni-proxmox-bench-e2e-"));
  let pve: PveSimulator | undefined;
  let factory: ImageFactory | undefined;
  let omni: OmniSimulator | undefined;
  let provider: RunningProvider | undefined;
  let scenario: LabScenario | undefined;
  try {
    pve = await m.startPveSimulator({
      world: worldFor(m, machines),
      timeFactor: TIME_FACTOR,
      dataDir: join(dataDir, "pve"),
    });
    factory = await m.startImageFactory();
    omni = await m.startOmniSimulator({ tls: true, factoryUrl: factory.url });
    omni.registerProvider(PROVIDER_ID);
    const config: ProviderConfig = {
      providerId: PROVIDER_ID,
      providerName: "Proxmox",
      providerDescription: "bench",
      omni: {
        endpoint: omni.url,
        serviceAccountKey: await omni.mintProviderKey(PROVIDER_ID),
        insecureSkipVerify: false,
        ...(omni.caFile ? { caFile: omni.caFile } : {}),
      },
      proxmox: {
        url: pve.url,
        auth: { kind: "token", tokenId: pve.tokens.provider.tokenId, secret: pve.tokens.provider.secret },
        insecureSkipVerify: false,
        caFile: pve.caFile,
        timeoutMs: 10_000,
      },
      concurrency: 8,
      overcommit: { memory: 1, cpu: 4, storage: 1 },
      gcIntervalMs: 0,
      isoGraceMs: 0,
      logLevel: "silent",
      logFormat: "json",
    };
    const beforeStart = memoryNow();
    provider = await m.startProvider(config, fastOptions(m));
    // Baseline once the provider is up and idle: growth from here on is the cost of provisioning.
    const before = memoryNow();
    const seed = m.loadSeedScenario({ controlPlanes: 3, workers: machines - 3 });
    scenario = new m.LabScenario({ pve: pve.admin, omni: omni.admin, ...seed, pollIntervalMs: 20 });
    const readyAt = new Map<string, number>();
    const start = process.hrtime.bigint();
    scenario.start();
    await scenario.waitUntil(
      (p) => {
        const now = msSince(start);
        for (const row of p.machines()) if (row.registered && !readyAt.has(row.request)) readyAt.set(row.request, now);
        return p.settledUp() && p.machines().length === machines;
      },
      { timeoutMs },
    );
    const totalMs = msSince(start);
    const requests = await proxmoxRequests(provider);
    const after = memoryNow();
    const ready = [...readyAt.values()].sort((a, b) => a - b);
    log(`${machines} machines ready in ${totalMs.toFixed(0)} ms, ${requests.total} Proxmox requests`);
    return {
      machines,
      totalMs,
      firstReadyMs: ready[0] ?? totalMs,
      readyP50Ms: percentile(ready, 50),
      readyP95Ms: percentile(ready, 95),
      requests,
      startHeapMB: (before.heapUsedBytes - beforeStart.heapUsedBytes) / (1024 * 1024),
      heapGrowthMB: (after.heapUsedBytes - before.heapUsedBytes) / (1024 * 1024),
      rssGrowthMB: (after.rssBytes - before.rssBytes) / (1024 * 1024),
    };
  } finally {
    scenario?.stop();
    await provider?.stop();
    await omni?.close();
    await factory?.close();
    await pve?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function figuresOf(r: ProvisionResult): Figure[] {
  const p = `provision.${r.machines}`;
  const per = (n: number) => n / r.machines;
  return [
    {
      name: `${p}.total`,
      value: r.totalMs,
      unit: "ms",
      p50Ms: r.readyP50Ms,
      p95Ms: r.readyP95Ms,
      samples: r.machines,
      note: "until all provisioned + registered; p50/p95: per-machine registration time",
    },
    { name: `${p}.first`, value: r.firstReadyMs, unit: "ms", note: "first machine registered" },
    {
      name: `${p}.pve-requests`,
      value: per(r.requests.total),
      unit: "req/machine",
      samples: r.requests.total,
      note: `all Proxmox requests; n = total`,
    },
    { name: `${p}.pve-writes`, value: per(r.requests.writes), unit: "req/machine", note: "POST/PUT/DELETE" },
    { name: `${p}.pve-task-polls`, value: per(r.requests.taskPolls), unit: "req/machine", note: "task status/log" },
    { name: `${p}.start-heap`, value: r.startHeapMB, unit: "MB", note: "after GC; startProvider until idle" },
    {
      name: `${p}.heap-growth`,
      value: r.heapGrowthMB,
      unit: "MB",
      note: "after GC; idle provider → all ready; provider + simulators",
    },
    { name: `${p}.rss-growth`, value: r.rssGrowthMB, unit: "MB", note: "after GC; provider + simulators" },
  ];
}

export const e2eBenchmark: Benchmark = {
  name: "e2e",
  title: `end to end: startProvider + lab scenario through both simulators (time factor ${TIME_FACTOR}), 5 and 30 machines`,
  budgetMs: { full: 45_000, quick: 15_000 },
  async run(ctx): Promise<BenchOutcome> {
    const modules = await loadModules();
    if (typeof modules === "string") return { status: "skipped", reason: modules };
    const sizes = ctx.quick ? [5] : [5, 30];
    const started = performance.now();
    const figures: Figure[] = [];
    for (const machines of sizes) {
      const left = ctx.budgetMs - (performance.now() - started);
      figures.push(...figuresOf(await provision(modules, machines, Math.max(10_000, left), ctx.log)));
    }
    return { status: "ok", figures };
  },
};
