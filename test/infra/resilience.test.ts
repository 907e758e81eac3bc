import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MachineRequestStatusSpec_Stage as Stage } from "../../src/omni/gen/omni/specs/infra_pb.js";
import { type InfraHarness, MR_TYPE, NS_INFRA, startInfraHarness } from "./harness.ts";

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
    const runtime = h.runtime();
    await runtime.start();

    for (const id of ids.slice(0, 20)) h.createRequest(id);
    await h.omni.restart(); // every stream drops while work is in flight
    for (const id of ids.slice(20, 35)) h.createRequest(id);
    await h.omni.restart();
    for (const id of ids.slice(35)) h.createRequest(id);

    await h.until(
      () => ids.every((id) => h.status(id)?.stage === Stage.PROVISIONED),
      "all 50 provisioned",
      60_000,
    );

    // The runtime restarts too, and Omni restarts in the middle of scale-down.
    await runtime.stop();
    const second = h.runtime();
    await second.start();
    for (const id of ids.slice(0, 25)) h.omni.admin.tearDownMachineRequest(id);
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
