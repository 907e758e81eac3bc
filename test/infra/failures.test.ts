import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MachineRequestStatusSpec_Stage as Stage } from "../../src/omni/gen/omni/specs/infra_pb.js";
import {
  FINALIZER,
  type InfraHarness,
  MR_TYPE,
  MRS_TYPE,
  NS_INFRA,
  STATE_NS,
  STATE_TYPE,
  startInfraHarness,
} from "./harness.ts";

describe("step failures and odd states", () => {
  let h: InfraHarness;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    await h.close();
  });

  for (const mode of ["fail", "throw", "retry"] as const) {
    it(`keeps a ${mode} error visible on every retry and clears it on success`, async () => {
      const id = `fail-${mode}`;
      h.fake.failStep("create-vm", 3, mode, `datastore full (${mode})`);
      // Snapshot the status each time create-vm starts again.
      const seen: { stage: Stage; error: string; status: string }[] = [];
      const runtime = h.runtime({
        hooks: {
          stepFinished: (step) => {
            if (step !== "create-vm") return;
            const s = h.status(id);
            if (s) seen.push({ stage: s.stage, error: s.error, status: s.status });
          },
        },
      });
      const nextTryTexts: string[] = [];
      let previous = "";
      const unsubscribe = h.omni.admin.subscribe(() => {
        const status = h.status(id)?.status ?? "";
        if (status !== previous && status.includes("next try")) nextTryTexts.push(status);
        previous = status;
      });
      await runtime.start();
      h.createRequest(id);
      await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
      await runtime.stop();
      unsubscribe();

      assert.equal(h.fake.count(h.fake.runs, "create-vm", id), 4);
      // seen[i] is the status while attempt i+1 finished: attempts 2..4 must see the previous error.
      assert.equal(seen.length, 4);
      for (const snapshot of seen.slice(1)) {
        assert.equal(snapshot.error, `datastore full (${mode})`, "the last error is visible while retrying");
        assert.equal(snapshot.stage, mode === "retry" ? Stage.PROVISIONING : Stage.FAILED);
        assert.equal(snapshot.status, 'Running Step: "create-vm" (2/5)');
      }
      assert.equal(nextTryTexts.length, 3, "each failure announced the next try");
      for (const text of nextTryTexts) {
        assert.match(text, /^Running Step: "create-vm" \(2\/5\); next try in [\d.]+s \(at \d\d:\d\d:\d\dZ\)$/);
      }
      const final = h.status(id)!;
      assert.equal(final.error, "");
      assert.equal(final.status, "Provision Complete");
    });
  }

  it("restarts from the first step when the annotation names an unknown step", async () => {
    const id = "unknown-step";
    h.omni.admin.create({
      namespace: STATE_NS,
      type: STATE_TYPE,
      id,
      owner: FINALIZER,
      annotations: { "infra.omni.sidero.dev/step": "a-step-that-was-removed" },
      yamlSpec: "{}",
    });
    const runtime = h.runtime();
    await runtime.start();
    h.createRequest(id);
    await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
    await runtime.stop();
    assert.equal(h.fake.count(h.fake.completions, "validate", id), 1, "the first step ran");
    assert.equal(h.fake.count(h.fake.completions, "finish", id), 1);
  });

  it("shows deprovision errors while retrying, then finishes the teardown", async () => {
    const id = "deprov-fail";
    const runtime = h.runtime();
    await runtime.start();
    h.createRequest(id);
    await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
    h.fake.deprovisionFailures = 2;
    let sawError = false;
    const unsubscribe = h.omni.admin.subscribe(() => {
      const s = h.status(id);
      if (s?.error.includes("datastore locked")) sawError = true;
    });
    h.omni.admin.tearDownMachineRequest(id);
    await h.until(() => h.resource(NS_INFRA, MR_TYPE, id) === undefined, `${id} gone`);
    unsubscribe();
    await runtime.stop();
    assert.ok(sawError, "the deprovision error was shown on the request status");
    assert.equal(h.fake.events.filter((e) => e === `deprovision:${id}`).length, 3);
    assert.equal(h.resource(NS_INFRA, MRS_TYPE, id), undefined);
    assert.equal(h.resource(STATE_NS, STATE_TYPE, id), undefined);
  });

  it("destroys dangling state and removes the finalizer of a request whose state is gone", async () => {
    // State for a request that no longer exists.
    h.omni.admin.create({ namespace: STATE_NS, type: STATE_TYPE, id: "orphan", owner: FINALIZER, yamlSpec: "{}" });
    // A provisioned request whose state vanished while no runtime was running.
    const id = "stateless";
    let runtime = h.runtime({ cleanupIntervalMs: 60_000 });
    await runtime.start();
    await h.until(() => h.resource(STATE_NS, STATE_TYPE, "orphan") === undefined, "orphan state destroyed");
    assert.ok(h.fake.deprovisioned.includes("orphan"), "the orphan's machine was deprovisioned first");
    h.createRequest(id);
    await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
    await runtime.stop();
    h.omni.admin.destroy(STATE_NS, STATE_TYPE, id);
    h.omni.admin.tearDownMachineRequest(id);

    runtime = h.runtime();
    await runtime.start();
    await h.until(() => h.resource(NS_INFRA, MR_TYPE, id) === undefined, `${id} lost its finalizer and is gone`);
    await runtime.stop();
    assert.ok(!h.fake.events.includes(`deprovision:${id}`), "nothing to deprovision without state");
  });
});
