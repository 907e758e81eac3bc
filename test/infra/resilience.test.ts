import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { scaledLeaseTiming } from "../../src/infra/lease.ts";
import { MachineRequestStatusSpec_Stage as Stage } from "../../src/omni/gen/omni/specs/infra_pb.js";
import { type InfraHarness, MR_TYPE, NS_INFRA, startInfraHarness } from "./harness.ts";

/** Simulator, runtime and test share one event loop here: give the lease room under a burst of 50 requests. */
const LEASE = { timing: scaledLeaseTiming(0.4) };

describe("no request is lost across dropped streams and Omni restarts", () => {
  let h: InfraHarness;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    await h.close();
  });

  it("provisions and tears down 50 requests while Omni restarts", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `bulk-${String(i).padStart(2, "0")}`);
    const runtime = h.runtime({ leaseOptions: LEASE });
    await runtime.start();
    // Restart only while the runtime holds open watch streams: an idle HTTP/2 session hit by the server's
    // GOAWAY trips an uncaught error in connect-node's session manager (reported to the transport owner).
    await h.until(() => runtime.isLeader(), "leading");

    for (const id of ids.slice(0, 20)) h.createRequest(id);
    await h.until(() => ids.some((id) => h.status(id) !== undefined), "work in flight");
    await h.omni.restart(); // every stream drops while work is in flight
    for (const id of ids.slice(20, 35)) h.createRequest(id);
    await h.omni.restart();
    for (const id of ids.slice(35)) h.createRequest(id);

    await h.until(() => ids.every((id) => h.status(id)?.stage === Stage.PROVISIONED), "all 50 provisioned", 60_000);

    // The runtime restarts too, and Omni restarts in the middle of scale-down.
    await runtime.stop();
    const second = h.runtime({ leaseOptions: LEASE });
    await second.start();
    await h.until(() => second.isLeader(), "leading");
    for (const id of ids.slice(0, 25)) h.omni.admin.tearDownMachineRequest(id);
    await h.until(() => h.fake.deprovisioned.length > 0, "teardown in flight");
    await h.omni.restart();
    for (const id of ids.slice(25)) h.omni.admin.tearDownMachineRequest(id);
    await h.until(
      () => ids.every((id) => h.resource(NS_INFRA, MR_TYPE, id) === undefined),
      "all 50 torn down and gone",
      60_000,
    );
    await second.stop();

    for (const id of ids) {
      assert.equal(h.fake.count(h.fake.completions, "finish", id), 1, `${id} provisioned once`);
    }
    assert.equal(new Set(h.fake.deprovisioned).size, 50);
    assert.equal(h.fake.maxConcurrentPerRequest, 1);
  });
});
