/**
 * `npm run bench`: runs the benchmarks one after another, prints a table of figures and, with `--json`,
 * one JSON document as the last stdout line. A benchmark whose module is not usable is reported as
 * skipped; one that throws or overruns its budget is reported as failed; neither stops the run.
 *
 * @example
 * npm run bench                      # every benchmark, full size
 * npm run bench -- --quick           # short version (< 20 s on 2 cores)
 * npm run bench -- --only placement  # one benchmark (comma-separate several)
 * npm run bench -- --json > run.txt  # last line: {"schema":"omni-proxmox-bench/1",…}
 */
import { parseArgs } from "node:util";
import { cidataBenchmark } from "./cidata.ts";
import { e2eBenchmark } from "./e2e.ts";
import { type BenchRecord, renderTable, toJson } from "./lib/report.ts";
import type { Benchmark } from "./lib/types.ts";
import { omniBenchmark } from "./omni.ts";
import { placementBenchmark } from "./placement.ts";
import { propstringBenchmark } from "./propstring.ts";
import { proxmoxBenchmark } from "./proxmox.ts";
import { selectorsBenchmark } from "./selectors.ts";

/** Every benchmark, in the order they run (cheap pure-logic ones first). */
export const BENCHMARKS: readonly Benchmark[] = [
  propstringBenchmark,
  selectorsBenchmark,
  placementBenchmark,
  cidataBenchmark,
  proxmoxBenchmark,
  omniBenchmark,
  e2eBenchmark,
];

/** Extra time a benchmark gets past its budget for setup and teardown before it counts as hung. */
const GRACE_MS = 15_000;

const USAGE = `usage: npm run bench -- [--quick] [--json] [--only NAME[,NAME…]] [--list]
  --quick   short workloads (whole run under ~20 s on 2 cores)
  --json    also print one JSON object with every figure as the last stdout line
  --only    run only these benchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}
  --list    list the benchmarks and exit`;

interface RunOptions {
  quick: boolean;
  json: boolean;
  only: string[] | undefined;
}

function parseOptions(argv: string[]): RunOptions | "list" | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      list: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  if (values.list) return "list";
  const only = values.only
    ?.flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return { quick: values.quick ?? false, json: values.json ?? false, only };
}

/** Picks the benchmarks named by `--only`; unknown names are an error naming the valid ones. */
export function selectBenchmarks(all: readonly Benchmark[], only: readonly string[] | undefined): Benchmark[] {
  if (!only || only.length === 0) return [...all];
  const unknown = only.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(`--only ${unknown.join(",")}: no such benchmark; choose from ${all.map((b) => b.name).join(", ")}`);
  }
  return all.filter((b) => only.includes(b.name));
}

/** Runs one benchmark with its budget plus a grace period as a hard limit; never throws. */
export async function runOne(bench: Benchmark, quick: boolean, graceMs = GRACE_MS): Promise<BenchRecord> {
  const budgetMs = quick ? bench.budgetMs.quick : bench.budgetMs.full;
  const started = performance.now();
  const log = (message: string) => process.stderr.write(`[bench ${bench.name}] ${message}\n`);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${budgetMs + graceMs} ms (budget ${budgetMs} ms + grace)`)),
      budgetMs + graceMs,
    );
    timer.unref();
  });
  try {
    const outcome = await Promise.race([bench.run({ quick, budgetMs, log }), limit]);
    return { name: bench.name, title: bench.title, durationMs: performance.now() - started, ...outcome };
  } catch (err) {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { name: bench.name, title: bench.title, durationMs: performance.now() - started, status: "failed", error };
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options === "list") {
    for (const b of BENCHMARKS) process.stdout.write(`${b.name.padEnd(12)} ${b.title}\n`);
    return 0;
  }
  let selected: Benchmark[];
  try {
    selected = selectBenchmarks(BENCHMARKS, options.only);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const records: BenchRecord[] = [];
  for (const bench of selected) {
    process.stderr.write(`[bench] ${bench.name}: ${bench.title}${options.quick ? " (quick)" : ""}\n`);
    const record = await runOne(bench, options.quick);
    const status = record.status === "ok" ? "done" : record.status === "skipped" ? "skipped" : "FAILED";
    process.stderr.write(`[bench] ${bench.name}: ${status} in ${(record.durationMs / 1000).toFixed(1)} s\n`);
    records.push(record);
  }
  const durationMs = performance.now() - t0;
  process.stdout.write(`\n${renderTable(records)}\n\ntotal ${(durationMs / 1000).toFixed(1)} s\n`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(toJson(records, { quick: options.quick, startedAt, durationMs }))}\n`);
  }
  return records.some((r) => r.status === "failed") ? 1 : 0;
}

if (import.meta.main) {
  const code = await main();
  // Stray handles (a simulator socket a failed benchmark could not close) must not keep the run alive.
  process.stdout.write("", () => process.exit(code));
}
