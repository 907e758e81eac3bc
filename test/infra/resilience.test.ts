import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { scaledLeaseTiming } from "../../src/infra/lease.ts";
import { MachineRequestStatusSpec_Stage as Stage } from "../../src/omni/gen/omni/specs/infra_pb.js";
import { type InfraHarness, MR_TYPE, NS_INFRA, startInfraHarness } from "./harness.ts";

/**
 * Simulator, runtime and test share one event loop, and `npm test` runs other suites beside this one on 2 cores:
 * production lease timing (15 s lease, holder gives up after 10 s without a renew) so a busy loop never flaps it.
 * Only one runtime leads at a time here (the first stops, releasing the lease, before the second starts), so the
 * long lease costs no wall-clock time.
 */
const LEASE = { timing: scaledLeaseTiming(1) };
/** Bulk waits: event-driven, with room for a loaded CI machine. */
const BULK_MS = 120_000;

describe("no request is lost across dropped streams and Omni restarts", () => {
  let h: InfraHarness | undefined;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    // Stops every runtime (also one left running by a failed assertion), closes transports and the simulator.
    await h?.close();
  });

  it("provisions and tears down 50 requests while Omni restarts", { timeout: 300_000 }, async () => {
    assert.ok(h);
    const harness = h;
    const ids = Array.from({ length: 50 }, (_, i) => `bulk-${String(i).padStart(2, "0")}`);
    const runtime = harness.runtime({ leaseOptions: LEASE });
    await runtime.start();
    await harness.until(() => runtime.isLeader(), "leading");

    for (const id of ids.slice(0, 20)) harness.createRequest(id);
    await harness.until(() => ids.some((id) => harness.status(id) !== undefined), "work in flight");
    await harness.omni.restart(); // every stream drops while work is in flight
    for (const id of ids.slice(20, 35)) harness.createRequest(id);
    await harness.omni.restart();
    for (const id of ids.slice(35)) harness.createRequest(id);

    await harness.until(
      () => ids.every((id) => harness.status(id)?.stage === Stage.PROVISIONED),
      "all 50 provisioned",
      BULK_MS,
    );

    // The runtime restarts too (its idle connection stays open across the next Omni restart), and Omni restarts
    // in the middle of scale-down.
    await runtime.stop();
    const second = harness.runtime({ leaseOptions: LEASE });
    await second.start();
    await harness.until(() => second.isLeader(), "leading");
    for (const id of ids.slice(0, 25)) harness.omni.admin.tearDownMachineRequest(id);
    await harness.until(() => harness.fake.deprovisioned.length > 0, "teardown in flight");
    await harness.omni.restart();
    for (const id of ids.slice(25)) harness.omni.admin.tearDownMachineRequest(id);
    await harness.until(
      () => ids.every((id) => harness.resource(NS_INFRA, MR_TYPE, id) === undefined),
      "all 50 torn down and gone",
      BULK_MS,
    );
    await second.stop();

    for (const id of ids) {
      assert.equal(harness.fake.count(harness.fake.completions, "finish", id), 1, `${id} provisioned once`);
    }
    // Deprovision is at-least-once by contract: one interrupted by the restart before its completion was recorded
    // in Omni runs again (never concurrently), so every request is deprovisioned, none skipped.
    assert.deepEqual(new Set(harness.fake.deprovisioned), new Set(ids), "every request deprovisioned");
    assert.equal(harness.fake.maxConcurrentPerRequest, 1);
  });
});
