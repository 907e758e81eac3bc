import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BenchRecord, formatNumber, renderTable, significant, toJson } from "./report.ts";

const records: BenchRecord[] = [
  {
    name: "alpha",
    title: "a",
    durationMs: 12.34,
    status: "ok",
    figures: [
      { name: "decode", value: 123_456.789, unit: "ops/s", p50Ms: 0.0081, p95Ms: 0.0123, samples: 1000, note: "n" },
      { name: "size", value: 358_400, unit: "bytes" },
    ],
  },
  { name: "beta", title: "b", durationMs: 1, status: "skipped", reason: "module not usable yet" },
  { name: "gamma", title: "c", durationMs: 2, status: "failed", error: "Error: boom" },
];

describe("formatNumber", () => {
  it("keeps about three significant digits without exponents", () => {
    assert.equal(formatNumber(123_456.789), "123,457");
    assert.equal(formatNumber(12.345), "12.3");
    assert.equal(formatNumber(1.2345), "1.23");
    assert.equal(formatNumber(0.012345), "0.012");
    assert.equal(formatNumber(0.00081), "0.00081");
    assert.equal(formatNumber(0), "0");
  });
});

describe("renderTable", () => {
  it("prints one row per figure and a line per skipped or failed benchmark", () => {
    const text = renderTable(records);
    const lines = text.split("\n");
    assert.match(lines[0] ?? "", /^benchmark\s+figure\s+value\s+unit\s+p50 ms\s+p95 ms\s+n\s+note$/);
    assert.ok(lines.some((l) => /^alpha\s+decode\s+123,457\s+ops\/s\s+0\.0081\s+0\.012\s+1000\s+n$/.test(l)));
    assert.ok(
      lines.some((l) => /^\s+size\s+358,400\s+bytes$/.test(l)),
      "benchmark name printed once",
    );
    assert.ok(lines.includes("beta: skipped: module not usable yet"));
    assert.ok(lines.includes("gamma: FAILED: Error: boom"));
  });
});

describe("toJson", () => {
  it("has every figure under <benchmark>.<figure> and every benchmark's status", () => {
    const doc = toJson(records, { quick: true, startedAt: new Date("2026-01-01T00:00:00Z"), durationMs: 99.99 });
    const parsed = JSON.parse(JSON.stringify(doc));
    assert.equal(parsed.schema, "omni-proxmox-bench/1");
    assert.equal(parsed.quick, true);
    assert.deepEqual(parsed.figures["alpha.decode"], {
      value: 123_457,
      unit: "ops/s",
      p50Ms: 0.0081,
      p95Ms: 0.0123,
      samples: 1000,
    });
    assert.deepEqual(parsed.figures["alpha.size"], { value: 358_400, unit: "bytes" });
    assert.equal(parsed.benchmarks.beta.status, "skipped");
    assert.equal(parsed.benchmarks.beta.reason, "module not usable yet");
    assert.equal(parsed.benchmarks.gamma.status, "failed");
    assert.equal(Object.keys(parsed.figures).length, 2);
  });
  it("rounds to six significant digits", () => {
    assert.equal(significant(1234.56789), 1234.57);
    assert.equal(significant(0.000123456789), 0.000123457);
    assert.equal(significant(0), 0);
  });
});
