/**
 * Compares two `npm run bench -- --json` outputs figure by figure: `node bench/compare.ts base.txt new.txt`.
 * Each file may hold the whole stdout of a run; the last line that parses as the bench JSON is used.
 * Prints base, new, the change of the value and of the p50 latency in %, and a verdict: by p50 where there
 * is one, else by the unit's direction (ops/s and events/s up is better; ms, MB and req/machine down);
 * `bytes` and `count` figures that moved at all are marked "changed" (they are deterministic).
 */
import { readFileSync } from "node:fs";
import { formatNumber } from "./lib/report.ts";
import type { FigureUnit } from "./lib/types.ts";

interface JsonFigure {
  value: number;
  unit: FigureUnit;
  p50Ms?: number;
}

interface BenchJson {
  schema: string;
  quick: boolean;
  figures: Record<string, JsonFigure>;
}

/** The bench JSON inside a file holding a run's stdout (or just the JSON line). */
export function readBenchJson(text: string, file: string): BenchJson {
  const lines = text.trimEnd().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      const doc = JSON.parse(line) as BenchJson;
      if (doc.schema === "omni-proxmox-bench/1") return doc;
    } catch {
      // not the JSON line; keep looking upwards
    }
  }
  throw new Error(`${file}: no bench JSON line found; produce it with npm run bench -- --json > ${file}`);
}

const HIGHER_IS_BETTER: ReadonlySet<FigureUnit> = new Set(["ops/s", "events/s"]);
/** Memory and request counts per machine are lower-is-better and move with timing (GC, task polls). */
const LOWER_IS_BETTER: ReadonlySet<FigureUnit> = new Set(["ms", "MB", "req/machine"]);

function percentChange(from: number, to: number): number {
  return from === 0 ? 0 : ((to - from) / Math.abs(from)) * 100;
}

function signed(change: number): string {
  return `${change > 0 ? "+" : ""}${change.toFixed(1)}%`;
}

/**
 * One line per figure present in either run: `name  base  new  change  p50-change  verdict`. The verdict
 * uses the p50 latency when both runs have one (steadier than a rate, which also absorbs GC and other
 * load), else the value; changes under `noisePercent` get none.
 */
export function compareRuns(base: BenchJson, next: BenchJson, noisePercent = 20): string[] {
  const rows: string[][] = [["figure", "base", "new", "change", "p50", ""]];
  const names = [...new Set([...Object.keys(base.figures), ...Object.keys(next.figures)])];
  for (const name of names) {
    const a = base.figures[name];
    const b = next.figures[name];
    if (!a || !b) {
      rows.push([
        name,
        a ? formatNumber(a.value) : "—",
        b ? formatNumber(b.value) : "—",
        "",
        "",
        a ? "removed" : "new",
      ]);
      continue;
    }
    const change = percentChange(a.value, b.value);
    const p50 = a.p50Ms !== undefined && b.p50Ms !== undefined ? percentChange(a.p50Ms, b.p50Ms) : undefined;
    let verdict = "";
    if (p50 !== undefined) {
      if (Math.abs(p50) >= noisePercent) verdict = p50 < 0 ? "better" : "WORSE";
    } else if (HIGHER_IS_BETTER.has(b.unit) || LOWER_IS_BETTER.has(b.unit)) {
      const up = HIGHER_IS_BETTER.has(b.unit);
      if (Math.abs(change) >= noisePercent) verdict = change > 0 === up ? "better" : "WORSE";
    } else if (change !== 0) {
      verdict = "changed";
    }
    rows.push([
      name,
      formatNumber(a.value),
      `${formatNumber(b.value)} ${b.unit}`,
      signed(change),
      p50 === undefined ? "" : signed(p50),
      verdict,
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

if (import.meta.main) {
  const [baseFile, nextFile] = process.argv.slice(2);
  if (!baseFile || !nextFile) {
    process.stderr.write("usage: node bench/compare.ts BASE NEW   (files from npm run bench -- --json)\n");
    process.exit(2);
  }
  try {
    const base = readBenchJson(readFileSync(baseFile, "utf8"), baseFile);
    const next = readBenchJson(readFileSync(nextFile, "utf8"), nextFile);
    if (base.quick !== next.quick) {
      process.stderr.write("warning: one run used --quick and the other did not; figures are not comparable\n");
    }
    process.stdout.write(`${compareRuns(base, next).join("\n")}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
