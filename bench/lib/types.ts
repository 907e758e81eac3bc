/**
 * The contract between the bench runner and each benchmark module: a benchmark returns named figures
 * (or says why it was skipped); the runner owns ordering, time budgets, the table and the JSON.
 */

/** How a figure is read: throughput (higher is better), a duration, a size, or a plain count. */
export type FigureUnit = "ops/s" | "ms" | "MB" | "bytes" | "count" | "req/machine" | "events/s";

export interface Figure {
  /** Stable key inside its benchmark, e.g. `decode.scsi`; the JSON key is `<benchmark>.<name>`. */
  readonly name: string;
  readonly value: number;
  readonly unit: FigureUnit;
  /** Per-operation latency percentiles, when the figure is a rate or a duration measured many times. */
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  /** How many operations (or samples) the figure is based on. */
  readonly samples?: number;
  /** One short human note (what was measured, the workload size). */
  readonly note?: string;
}

export type BenchOutcome =
  | { readonly status: "ok"; readonly figures: readonly Figure[] }
  | { readonly status: "skipped"; readonly reason: string };

export interface BenchContext {
  /** `--quick`: smaller workloads and tighter time budgets. */
  readonly quick: boolean;
  /** Wall-clock budget for this benchmark in ms; measurement loops stop early when it is spent. */
  readonly budgetMs: number;
  /** Progress lines for humans (stderr), never part of the figures. */
  log(message: string): void;
}

export interface Benchmark {
  /** Short name used by `--only` and as the JSON key prefix. */
  readonly name: string;
  /** One line describing the workload. */
  readonly title: string;
  /** Budget in ms for the full and the quick run. */
  readonly budgetMs: { readonly full: number; readonly quick: number };
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

/** A skip outcome with a reason naming what is missing. */
export function skipped(reason: string): BenchOutcome {
  return { status: "skipped", reason };
}
