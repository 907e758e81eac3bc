import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FaultInjector } from "./faults.ts";

describe("FaultInjector", () => {
  it("matches by substring or /regex/ and method, and retires after count", () => {
    const f = new FaultInjector();
    f.add({ endpoint: "/qemu", method: "POST", status: 500, message: "boom", count: 2 });
    assert.equal(f.decide("GET", "/nodes/a/qemu").status, undefined);
    assert.equal(f.decide("POST", "/nodes/a/qemu").status, 500);
    assert.equal(f.decide("POST", "/nodes/a/qemu").message, "boom");
    assert.equal(f.decide("POST", "/nodes/a/qemu").status, undefined);
    f.add({ endpoint: "/^\\/cluster\\/(status|nextid)$/", connectionReset: true });
    assert.equal(f.decide("GET", "/cluster/nextid").connectionReset, true);
    assert.equal(f.decide("GET", "/cluster/resources").connectionReset, undefined);
  });

  it("applies error rates deterministically for a given seed", () => {
    const run = () => {
      const f = new FaultInjector(42);
      f.add({ status: 503, errorRate: 0.3 });
      return Array.from({ length: 50 }, () => f.decide("GET", "/version").status ?? 200);
    };
    const a = run();
    assert.deepEqual(a, run());
    const hits = a.filter((s) => s === 503).length;
    assert.ok(hits > 5 && hits < 30, `about 30% of 50, got ${hits}`);
  });

  it("adds latency without failing and clears", () => {
    const f = new FaultInjector();
    f.add({ endpoint: "/version", latencyMs: 25 });
    assert.deepEqual(f.decide("GET", "/version"), { latencyMs: 25 });
    f.clear();
    assert.deepEqual(f.decide("GET", "/version"), { latencyMs: 0 });
  });
});
