import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLabFaults } from "./faults-spec.ts";

test("--faults items become simulator fault rules", () => {
  const faults = parseLabFaults("error-rate=0.05, latency=20ms,task-failure=0.5,offline=hotel,offline=golf");
  assert.deepEqual(faults.offlineNodes, ["hotel", "golf"]);
  assert.equal(faults.rules.length, 3);
  assert.equal(faults.rules[0]?.status, 500);
  assert.equal(faults.rules[1]?.latencyMs, 20);
  assert.equal(faults.rules[2]?.taskFailure, "injected task failure (lab --faults)");
});

test("bad --faults items name the item and the fix", () => {
  assert.throws(() => parseLabFaults("error-rate=5"), /between 0 and 1/);
  assert.throws(() => parseLabFaults("latency=fast"), /latency=50ms/);
  assert.throws(() => parseLabFaults("explode=1"), /unknown item "explode=1"/);
});
