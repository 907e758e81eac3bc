import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryDelta, memoryNow, percentile, summarize, timeAsync, timeSync } from "./measure.ts";

describe("percentile", () => {
  it("uses nearest rank on sorted samples", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(sorted, 50), 5);
    assert.equal(percentile(sorted, 95), 10);
    assert.equal(percentile(sorted, 0), 1);
    assert.equal(percentile([], 50), 0);
    assert.equal(percentile([42], 95), 42);
  });
});

describe("summarize", () => {
  it("computes rate from wall time and percentiles from samples in any order", () => {
    const s = summarize([3, 1, 2, 4], 2_000);
    assert.equal(s.ops, 4);
    assert.equal(s.opsPerSec, 2);
    assert.equal(s.meanMs, 2.5);
    assert.equal(s.p50Ms, 2);
    assert.equal(s.p95Ms, 4);
  });
  it("counts batched operations, not samples", () => {
    assert.equal(summarize([1], 1_000, 100).opsPerSec, 100);
  });
});

describe("timeSync", () => {
  it("stops at maxOps and passes distinct indices", () => {
    const seen = new Set<number>();
    const s = timeSync((i) => seen.add(i), { maxOps: 1_000, budgetMs: 60_000, batch: 7, warmup: 0 });
    assert.equal(s.ops, 1_000);
    assert.equal(seen.size, 1_000);
    assert.ok(s.opsPerSec > 0 && s.p50Ms <= s.p95Ms);
  });
  it("stops when the budget is spent", () => {
    const s = timeSync(
      () => {
        const until = performance.now() + 1;
        while (performance.now() < until);
      },
      { maxOps: 1_000_000, budgetMs: 20, warmup: 0 },
    );
    assert.ok(s.ops < 1_000, `ran ${s.ops} ops of ~1 ms in a 20 ms budget`);
  });
});

describe("timeAsync", () => {
  it("keeps at most `concurrency` calls in flight and times each", async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await timeAsync(
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => setImmediate(resolve));
        inFlight--;
      },
      { maxOps: 50, budgetMs: 60_000, concurrency: 4, warmup: 0 },
    );
    assert.equal(s.ops, 50);
    assert.equal(peak, 4);
  });
});

describe("memory", () => {
  it("reports growth of retained memory after GC", () => {
    const before = memoryNow();
    const retained = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `item-${i}` }));
    const delta = memoryDelta(before);
    assert.ok(delta.heapMB > 5, `heap grew ${delta.heapMB} MB while retaining ${retained.length} objects`);
  });
});
