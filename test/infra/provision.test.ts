import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import {
  InfraProviderStatusSpecSchema,
  MachineRequestStatusSpec_Stage as Stage,
} from "../../src/omni/gen/omni/specs/infra_pb.js";
import {
  FINALIZER,
  type InfraHarness,
  MR_TYPE,
  MRS_TYPE,
  NS_INFRA,
  recordingHooks,
  STATE_NS,
  STATE_TYPE,
  startInfraHarness,
} from "./harness.ts";

describe("runtime against the Omni simulator: provision and teardown", () => {
  let h: InfraHarness;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    await h.close();
  });

  it("registers, provisions with the exact status texts, then tears down in order", async () => {
    const hooks = recordingHooks();
    const runtime = h.runtime({ hooks });
    await runtime.start();

    const providerStatus = h.resource(NS_INFRA, "InfraProviderStatuses.omni.sidero.dev", "fake");
    assert.ok(providerStatus, "InfraProviderStatus registered");
    const statusSpec = fromBinary(InfraProviderStatusSpecSchema, providerStatus.spec.protoSpec);
    assert.equal(statusSpec.name, "Fake");
    assert.equal(statusSpec.version, "0.0.0-test");

    const texts: string[] = [];
    const unsubscribe = h.omni.admin.subscribe((event) => {
      const res = (event as { resource?: { metadata: { type: string; id: string } } }).resource;
      if (res?.metadata.type === MRS_TYPE && res.metadata.id === "req-a") {
        const s = h.status("req-a");
        if (s && texts.at(-1) !== `${Stage[s.stage]}|${s.status}`) texts.push(`${Stage[s.stage]}|${s.status}`);
      }
    });
    h.createRequest("req-a", { team: "blue" });
    await h.until(() => h.status("req-a")?.stage === Stage.PROVISIONED, "req-a provisioned");
    unsubscribe();

    assert.deepEqual(texts, [
      "PROVISIONING|",
      'PROVISIONING|Running Step: "validate" (1/5)',
      'PROVISIONING|Running Step: "create-vm" (2/5)',
      'PROVISIONING|Running Step: "start-vm" (3/5)',
      'PROVISIONING|Running Step: "wait-join" (4/5)',
      'PROVISIONING|Running Step: "finish" (5/5)',
      "PROVISIONED|Provision Complete",
    ]);
    const status = h.status("req-a")!;
    const registration = h.omni.admin
      .list(NS_INFRA, "InfraMachineRegistrations.omni.sidero.dev")
      .find((r) => r.metadata.labels["omni.sidero.dev/machine-request"] === "req-a");
    assert.ok(registration, "the machine joined with a token naming the request");
    assert.equal(status.id, registration.metadata.id, "MRS.id comes from the MachineRegistration");
    assert.equal(status.error, "");

    const mrs = h.resource(NS_INFRA, MRS_TYPE, "req-a")!;
    assert.equal(mrs.metadata.labels.team, "blue", "MR labels copied");
    assert.equal(mrs.metadata.labels["omni.sidero.dev/infra-id"], "vm-req-a", "infra-id survives PROVISIONED");
    assert.equal(mrs.metadata.owner, FINALIZER);
    assert.ok(h.resource(NS_INFRA, MR_TYPE, "req-a")!.metadata.finalizers.includes(FINALIZER));
    const state = h.resource(STATE_NS, STATE_TYPE, "req-a")!;
    assert.equal(state.metadata.owner, FINALIZER);
    assert.ok(state.spec.yamlSpec.length > 0, "state has a readable yaml_spec");
    for (const step of ["validate", "create-vm", "start-vm", "finish"]) {
      assert.equal(h.fake.count(h.fake.runs, step, "req-a"), 1, `${step} ran once`);
    }
    assert.ok(hooks.events.includes("step:create-vm:done"));
    assert.ok(hooks.events.includes("leader:true"));

    // A config patch created by a step must go first on teardown.
    h.omni.admin.create({
      namespace: NS_INFRA,
      type: "ConfigPatchRequests.omni.sidero.dev",
      id: "req-a-patch",
      owner: FINALIZER,
      labels: { "omni.sidero.dev/infra-provider-id": "fake", "omni.sidero.dev/machine-request": "req-a" },
    });
    const order: string[] = [];
    const unsubscribeOrder = h.omni.admin.subscribe((event) => {
      const e = event as { type: string; resource?: { metadata: { type: string; id: string; finalizers: string[] } } };
      const res = e.resource;
      if (!res) return;
      if (e.type === "destroyed") order.push(`destroyed:${res.metadata.type.split(".")[0]}`);
      if (res.metadata.type === MR_TYPE && e.type === "updated" && !res.metadata.finalizers.includes(FINALIZER)) {
        order.push("finalizer-removed");
      }
    });
    h.omni.admin.tearDownMachineRequest("req-a");
    await h.until(() => h.resource(NS_INFRA, MR_TYPE, "req-a") === undefined, "req-a gone");
    unsubscribeOrder();
    const deprovisionAt = h.fake.events.indexOf("deprovision:req-a");
    assert.ok(deprovisionAt >= 0, "deprovision ran");
    assert.deepEqual(
      order.filter((o) => !o.startsWith("destroyed:InfraMachineRegistrations")),
      [
        "destroyed:ConfigPatchRequests",
        "destroyed:MachineRequestStatuses",
        "destroyed:Machine",
        "finalizer-removed",
        "destroyed:MachineRequests",
      ],
    );
    await runtime.stop();
  });
});
