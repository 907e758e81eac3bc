/**
 * The runner's contract (selection, skip/fail isolation, hard time limit) and a smoke run of every
 * pure-logic benchmark on a tiny budget, so an API change in the measured modules breaks a test, not
 * the next `npm run bench`. Figures are checked for shape only: tests assert behaviour, not timings.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Benchmark, BenchOutcome } from "./lib/types.ts";
import { BENCHMARKS, runOne, selectBenchmarks } from "./run.ts";

function fake(name: string, run: () => Promise<BenchOutcome>): Benchmark {
  return { name, title: name, budgetMs: { full: 20, quick: 10 }, run };
}

describe("selectBenchmarks", () => {
  it("keeps order, filters by --only and names the valid choices for a typo", () => {
    assert.deepEqual(
      selectBenchmarks(BENCHMARKS, undefined).map((b) => b.name),
      ["propstring", "selectors", "placement", "cidata", "proxmox", "omni", "e2e"],
    );
    assert.deepEqual(
      selectBenchmarks(BENCHMARKS, ["omni", "cidata"]).map((b) => b.name),
      ["cidata", "omni"],
    );
    assert.throws(
      () => selectBenchmarks(BENCHMARKS, ["placment"]),
      /--only placment: no such benchmark; choose from propstring/,
    );
  });
});

describe("runOne", () => {
  it("passes skips through and turns a throw into a failed record", async () => {
    const skip = await runOne(
      fake("s", async () => ({ status: "skipped", reason: "not usable yet" })),
      true,
    );
    assert.equal(skip.status, "skipped");
    assert.equal(skip.status === "skipped" && skip.reason, "not usable yet");
    const failed = await runOne(
      fake("f", async () => {
        throw new TypeError("no such export");
      }),
      true,
    );
    assert.equal(failed.status, "failed");
    assert.equal(failed.status === "failed" && failed.error, "TypeError: no such export");
  });

  it("fails a benchmark that overruns budget + grace instead of hanging the run", async () => {
    const hung = await runOne(
      fake("h", () => new Promise<BenchOutcome>(() => {})),
      true,
      5,
    );
    assert.equal(hung.status, "failed");
    assert.match(hung.status === "failed" ? hung.error : "", /did not finish within 15 ms/);
  });
});

describe("pure-logic benchmarks on a tiny budget", () => {
  for (const name of ["propstring", "selectors", "placement", "cidata"]) {
    it(`${name} returns finite figures with units`, async () => {
      const bench = selectBenchmarks(BENCHMARKS, [name])[0] as Benchmark;
      const outcome = await bench.run({ quick: true, budgetMs: 100, log: () => {} });
      assert.equal(outcome.status, "ok");
      if (outcome.status !== "ok") return;
      assert.ok(outcome.figures.length >= 3);
      const names = outcome.figures.map((f) => f.name);
      assert.equal(new Set(names).size, names.length, "figure names are unique");
      for (const f of outcome.figures) {
        assert.ok(Number.isFinite(f.value) && f.value > 0, `${name}.${f.name} = ${f.value}`);
        if (f.p50Ms !== undefined) assert.ok(f.p50Ms <= (f.p95Ms ?? Infinity), `${name}.${f.name} p50 ≤ p95`);
      }
    });
  }
});
