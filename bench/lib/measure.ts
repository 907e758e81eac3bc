/**
 * Measurement primitives: operation timing with process.hrtime.bigint, latency percentiles, bounded
 * loops (by count and by wall-clock budget), and heap/RSS deltas around a forced GC.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Figure, FigureUnit } from "./types.ts";

/** Summary of one measured loop; every duration is milliseconds per operation. */
export interface OpStats {
  /** Operations completed. */
  readonly ops: number;
  /** Wall-clock time of the whole loop. */
  readonly totalMs: number;
  readonly opsPerSec: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

export interface LoopLimits {
  /** Stop after this many operations. */
  readonly maxOps: number;
  /** Stop once this much wall-clock time has passed (checked between samples). */
  readonly budgetMs: number;
  /**
   * Untimed operations first, so the JIT and caches are warm. Default: up to maxOps / 10 operations or
   * 15 % of the budget, whichever comes first.
   */
  readonly warmup?: number;
}

const NS_PER_MS = 1_000_000n;

/** Milliseconds elapsed since `start` (a process.hrtime.bigint() reading), as a float. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / Number(NS_PER_MS);
}

/** The p-th percentile (0–100) of ascending `sorted`, nearest-rank; 0 for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

/** Builds {@link OpStats} from per-operation samples (ms) and the loop's wall time. */
export function summarize(samplesMs: readonly number[], totalMs: number, ops = samplesMs.length): OpStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const sum = samplesMs.reduce((a, b) => a + b, 0);
  return {
    ops,
    totalMs,
    opsPerSec: totalMs > 0 ? (ops * 1000) / totalMs : 0,
    meanMs: samplesMs.length > 0 ? sum / samplesMs.length : 0,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
  };
}

/**
 * Times a synchronous operation. Fast operations are timed in batches (`batch` calls per sample, each
 * sample divided by the batch size) so the clock read does not dominate; p50/p95 are over batch means.
 *
 * @example
 * const stats = timeSync((i) => decodePropertyString("scsi", inputs[i % inputs.length]), { maxOps: 50_000, budgetMs: 2_000, batch: 100 });
 */
export function timeSync(op: (i: number) => unknown, limits: LoopLimits & { readonly batch?: number }): OpStats {
  const batch = Math.max(1, limits.batch ?? 1);
  let sink: unknown;
  const warmupEnd = process.hrtime.bigint() + BigInt(Math.round(limits.budgetMs * 0.15)) * NS_PER_MS;
  const warmupOps = limits.warmup ?? Math.floor(limits.maxOps / 10);
  for (let i = 0; i < warmupOps; i++) {
    sink = op(i);
    if (limits.warmup === undefined && (i & 15) === 15 && process.hrtime.bigint() >= warmupEnd) break;
  }
  const samples: number[] = [];
  let ops = 0;
  const loopStart = process.hrtime.bigint();
  const deadline = loopStart + BigInt(Math.round(limits.budgetMs)) * NS_PER_MS;
  while (ops < limits.maxOps) {
    const n = Math.min(batch, limits.maxOps - ops);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) sink = op(ops + k);
    const t1 = process.hrtime.bigint();
    samples.push(Number(t1 - t0) / Number(NS_PER_MS) / n);
    ops += n;
    if (t1 >= deadline) break;
  }
  keep(sink);
  return summarize(samples, msSince(loopStart), ops);
}

/**
 * Times an asynchronous operation with up to `concurrency` calls in flight; each call's latency is a
 * sample, and throughput is completed calls over the loop's wall time.
 *
 * @example
 * const stats = await timeAsync(() => client.clusterResources(), { maxOps: 2_000, budgetMs: 5_000, concurrency: 8 });
 */
export async function timeAsync(
  op: (i: number) => Promise<unknown>,
  limits: LoopLimits & { readonly concurrency?: number },
): Promise<OpStats> {
  const concurrency = Math.max(1, limits.concurrency ?? 1);
  const warmup = limits.warmup ?? Math.min(20, Math.floor(limits.maxOps / 10));
  for (let i = 0; i < warmup; i++) await op(i);
  const samples: number[] = [];
  let started = 0;
  const loopStart = process.hrtime.bigint();
  const deadline = loopStart + BigInt(Math.round(limits.budgetMs)) * NS_PER_MS;
  const worker = async (): Promise<void> => {
    while (started < limits.maxOps && process.hrtime.bigint() < deadline) {
      const i = started++;
      const t0 = process.hrtime.bigint();
      await op(warmup + i);
      samples.push(msSince(t0));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(samples, msSince(loopStart));
}

/**
 * Runs every workload of a benchmark round-robin for `ms` before any is timed, so the first timed loop
 * does not carry the JIT's cold start that later loops (sharing the same code) are spared.
 */
export function warmUp(workloads: readonly ((i: number) => unknown)[], ms: number, maxRounds = 10_000): void {
  const until = performance.now() + ms;
  let sink: unknown;
  for (let i = 0; i < maxRounds && performance.now() < until; i++) {
    for (const w of workloads) sink = w(i);
  }
  keep(sink);
}

/** A throughput figure (ops/s) carrying the per-op latency percentiles. */
export function rateFigure(name: string, stats: OpStats, note?: string, unit: FigureUnit = "ops/s"): Figure {
  return {
    name,
    value: stats.opsPerSec,
    unit,
    p50Ms: stats.p50Ms,
    p95Ms: stats.p95Ms,
    samples: stats.ops,
    ...(note ? { note } : {}),
  };
}

/** A latency figure (ms per op, the mean) carrying p50/p95. */
export function latencyFigure(name: string, stats: OpStats, note?: string): Figure {
  return {
    name,
    value: stats.meanMs,
    unit: "ms",
    p50Ms: stats.p50Ms,
    p95Ms: stats.p95Ms,
    samples: stats.ops,
    ...(note ? { note } : {}),
  };
}

let cachedGc: (() => void) | undefined;

/**
 * A full GC, so heap deltas are about retained memory rather than garbage not yet collected. Node only
 * exposes `gc` with --expose-gc; the flag is switched on at runtime and the function taken from a fresh
 * context, so `npm run bench` needs no extra flags.
 */
export function collectGarbage(): void {
  if (!cachedGc) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) cachedGc = existing;
    else {
      setFlagsFromString("--expose-gc");
      cachedGc = runInNewContext("gc") as () => void;
    }
  }
  cachedGc();
  cachedGc();
}

export interface MemorySample {
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
}

/** process.memoryUsage after a full GC. */
export function memoryNow(): MemorySample {
  collectGarbage();
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, rssBytes: m.rss };
}

export const MB = 1024 * 1024;

/** Heap and RSS growth from `before` to now (after GC), in MB. */
export function memoryDelta(before: MemorySample): { heapMB: number; rssMB: number } {
  const after = memoryNow();
  return { heapMB: (after.heapUsedBytes - before.heapUsedBytes) / MB, rssMB: (after.rssBytes - before.rssBytes) / MB };
}

/** Keeps a value observable so the optimiser cannot drop the work that produced it. */
let blackhole: unknown;
function keep(value: unknown): void {
  blackhole = value;
  if (blackhole === keep) throw new Error("unreachable");
}
