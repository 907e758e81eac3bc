import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareRuns, readBenchJson } from "./compare.ts";

const run = (figures: Record<string, unknown>, quick = false) =>
  JSON.stringify({ schema: "omni-proxmox-bench/1", quick, figures });

describe("readBenchJson", () => {
  it("finds the JSON line at the end of a run's stdout", () => {
    const text = `\nbenchmark  figure\n---\ntotal 1.0 s\n${run({ "a.b": { value: 1, unit: "ms" } })}\n`;
    assert.deepEqual(readBenchJson(text, "x").figures, { "a.b": { value: 1, unit: "ms" } });
  });
  it("names the file and the fix when there is none", () => {
    assert.throws(
      () => readBenchJson("just a table\n{not json", "base.txt"),
      /base\.txt: no bench JSON line found; .*--json/,
    );
  });
});

describe("compareRuns", () => {
  const base = readBenchJson(
    run({
      "p.decode": { value: 1000, unit: "ops/s", p50Ms: 1 },
      "p.total": { value: 100, unit: "ms" },
      "p.rate": { value: 100, unit: "events/s" },
      "c.size": { value: 358_400, unit: "bytes" },
      "gone.x": { value: 1, unit: "count" },
    }),
    "base",
  );
  const next = readBenchJson(
    run({
      "p.decode": { value: 3000, unit: "ops/s", p50Ms: 1.05 },
      "p.total": { value: 150, unit: "ms" },
      "p.rate": { value: 130, unit: "events/s" },
      "c.size": { value: 360_448, unit: "bytes" },
      "new.y": { value: 2, unit: "count" },
    }),
    "new",
  );
  const lines = compareRuns(base, next);
  const line = (name: string) => lines.find((l) => l.startsWith(name)) ?? "";

  it("judges by p50 where both runs have one, not by the noisier rate", () => {
    assert.match(line("p.decode"), /\+200\.0%\s+\+5\.0%$/);
  });
  it("judges by the unit's direction otherwise", () => {
    assert.match(line("p.total"), /\+50\.0%\s+WORSE$/);
    assert.match(line("p.rate"), /\+30\.0%\s+better$/);
  });
  it("marks any move of a deterministic figure and figures only one run has", () => {
    assert.match(line("c.size"), /changed$/);
    assert.match(line("gone.x"), /removed$/);
    assert.match(line("new.y"), /new$/);
  });
});
