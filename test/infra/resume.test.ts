import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALL_STEPS_DONE } from "../../src/infra/steps.ts";
import { MachineRequestStatusSpec_Stage as Stage } from "../../src/omni/gen/omni/specs/infra_pb.js";
import { FAKE_STEP_NAMES, fakeStateCodec } from "./fake-provisioner.ts";
import { FINALIZER, type InfraHarness, STATE_NS, STATE_TYPE, startInfraHarness } from "./harness.ts";

const STEP_ANNOTATION = "infra.omni.sidero.dev/step";

describe("runtime killed between steps resumes at the persisted step", () => {
  let h: InfraHarness;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    await h.close();
  });

  for (let boundary = 1; boundary < FAKE_STEP_NAMES.length; boundary++) {
    const completed = FAKE_STEP_NAMES.slice(0, boundary);
    const next = FAKE_STEP_NAMES[boundary]!;
    it(`after "${completed.at(-1)}", before "${next}"`, async () => {
      const id = `resume-${boundary}`;
      const gate = h.fake.blockAt(next, id);
      const first = h.runtime();
      await first.start();
      h.createRequest(id);
      await gate.reached;
      await first.stop(); // the blocked step sees its signal abort; nothing more is written

      const state = h.resource(STATE_NS, STATE_TYPE, id);
      assert.equal(state?.metadata.annotations[STEP_ANNOTATION], next, "the next step is persisted");
      const persisted = JSON.parse(state!.spec.yamlSpec) as { completed: string[] };
      assert.deepEqual(persisted.completed, completed, "the state of every completed step is persisted");

      const runsAtKill = new Map(FAKE_STEP_NAMES.map((step) => [step, h.fake.count(h.fake.runs, step, id)]));
      const second = h.runtime();
      await second.start();
      await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
      await second.stop();

      for (const step of completed) {
        assert.equal(
          h.fake.count(h.fake.runs, step, id),
          runsAtKill.get(step),
          `${step} never re-runs after the restart`,
        );
      }
      assert.ok(h.fake.count(h.fake.runs, next, id) > (runsAtKill.get(next) ?? 0), `${next} runs again`);
      for (const step of FAKE_STEP_NAMES) {
        assert.equal(h.fake.count(h.fake.completions, step, id), 1, `${step} completed exactly once`);
      }
      const final = h.resource(STATE_NS, STATE_TYPE, id)!;
      assert.deepEqual((JSON.parse(final.spec.yamlSpec) as { completed: string[] }).completed, [...FAKE_STEP_NAMES]);
      assert.equal(final.metadata.annotations[STEP_ANNOTATION], ALL_STEPS_DONE, "the last step is recorded as done");
    });
  }

  it(`after "${FAKE_STEP_NAMES.at(-1)}", before PROVISIONED is recorded`, async () => {
    // The state a runtime killed right after persisting the last step leaves behind.
    const id = "resume-last";
    h.omni.admin.create({
      namespace: STATE_NS,
      type: STATE_TYPE,
      id,
      owner: FINALIZER,
      annotations: { [STEP_ANNOTATION]: ALL_STEPS_DONE },
      protoSpec: fakeStateCodec.encode({ ...fakeStateCodec.empty(), completed: [...FAKE_STEP_NAMES] }),
      yamlSpec: "{}",
    });
    const runtime = h.runtime();
    await runtime.start();
    h.createRequest(id);
    await h.until(() => h.status(id)?.stage === Stage.PROVISIONED, `${id} provisioned`);
    await runtime.stop();
    for (const step of FAKE_STEP_NAMES) assert.equal(h.fake.count(h.fake.runs, step, id), 0, `${step} never re-runs`);
  });
});
