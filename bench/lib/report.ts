/**
 * Output of a bench run: the human table and the one-line JSON document (`--json`), both built from
 * the same {@link BenchRecord}s so they can never disagree.
 */
import { cpus } from "node:os";
import type { BenchOutcome, Figure } from "./types.ts";

/** What the runner keeps for each benchmark it ran (or skipped, or saw fail). */
export type BenchRecord = {
  readonly name: string;
  readonly title: string;
  readonly durationMs: number;
} & (BenchOutcome | { readonly status: "failed"; readonly error: string });

/** Formats a number with about three significant digits, without exponent notation. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs === 0) return "0";
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs >= 0.01) return value.toFixed(3);
  return value.toPrecision(2);
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The figures as an aligned text table, with one line per skipped or failed benchmark. */
export function renderTable(records: readonly BenchRecord[]): string {
  const header = ["benchmark", "figure", "value", "unit", "p50 ms", "p95 ms", "n", "note"];
  const rightAligned = [false, false, true, false, true, true, true, false];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const r of records) {
    if (r.status === "ok") {
      for (const f of r.figures) rows.push(figureRow(r.name, f));
    } else if (r.status === "skipped") {
      notes.push(`${r.name}: skipped: ${r.reason}`);
    } else {
      notes.push(`${r.name}: FAILED: ${r.error}`);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0, rightAligned[i] ?? false))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  let previous = "";
  for (const row of rows) {
    const bench = row[0] ?? "";
    out.push(line([bench === previous ? "" : bench, ...row.slice(1)]));
    previous = bench;
  }
  if (notes.length > 0) out.push("", ...notes);
  return out.join("\n");
}

function figureRow(bench: string, f: Figure): string[] {
  return [
    bench,
    f.name,
    formatNumber(f.value),
    f.unit,
    f.p50Ms === undefined ? "" : formatNumber(f.p50Ms),
    f.p95Ms === undefined ? "" : formatNumber(f.p95Ms),
    f.samples === undefined ? "" : String(f.samples),
    f.note ?? "",
  ];
}

export interface RunInfo {
  readonly quick: boolean;
  readonly startedAt: Date;
  readonly durationMs: number;
}

/**
 * The `--json` document: run metadata, every benchmark with its status, and `figures`, a flat map
 * `"<benchmark>.<figure>"` → `{ value, unit, p50Ms?, p95Ms?, samples? }` that is easy to diff between runs.
 */
export function toJson(records: readonly BenchRecord[], info: RunInfo): Record<string, unknown> {
  const figures: Record<string, Omit<Figure, "name" | "note">> = {};
  const benchmarks: Record<string, unknown> = {};
  for (const r of records) {
    if (r.status === "ok") {
      for (const f of r.figures) {
        figures[`${r.name}.${f.name}`] = {
          value: significant(f.value),
          unit: f.unit,
          ...(f.p50Ms === undefined ? {} : { p50Ms: significant(f.p50Ms) }),
          ...(f.p95Ms === undefined ? {} : { p95Ms: significant(f.p95Ms) }),
          ...(f.samples === undefined ? {} : { samples: f.samples }),
        };
      }
      benchmarks[r.name] = { status: "ok", durationMs: round(r.durationMs) };
    } else if (r.status === "skipped") {
      benchmarks[r.name] = { status: "skipped", reason: r.reason, durationMs: round(r.durationMs) };
    } else {
      benchmarks[r.name] = { status: "failed", error: r.error, durationMs: round(r.durationMs) };
    }
  }
  return {
    schema: "omni-proxmox-bench/1",
    startedAt: info.startedAt.toISOString(),
    durationMs: round(info.durationMs),
    quick: info.quick,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
    },
    benchmarks,
    figures,
  };
}

/** Six significant digits: more than any run-to-run difference, and a diffable JSON. */
export function significant(value: number): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(6)) : value;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
