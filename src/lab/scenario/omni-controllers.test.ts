import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type ClusterTemplate,
  type MachineClass,
  parseClusterTemplate,
  parseMachineClass,
} from "../../templates/index.ts";
import { type OmniAdmin, startOmniSimulator } from "../omni/index.ts";
import { isMachineRequestIdOf, machineRequestId, REQUEST_ID_ALPHABET, seededRandom } from "./ids.ts";
import {
  LABEL_PROVIDER,
  LABEL_REQUEST_SET,
  planRequestSets,
  ScenarioController,
  ScenarioControllerError,
  type ScenarioEvent,
} from "./omni-controllers.ts";
import { decodeRequestSpec } from "./specs.ts";

const examples = join(import.meta.dirname, "../../../examples");
const read = (rel: string): string => readFileSync(join(examples, rel), "utf8");

function seedInputs(): { template: ClusterTemplate; classes: MachineClass[] } {
  const template = parseClusterTemplate(read("clusters/talos-prod-01.yaml"), "t.yaml").value;
  const cp = parseMachineClass(read("machine-classes/matrix-control-plane.yaml"), "cp.yaml").value;
  const worker = parseMachineClass(read("machine-classes/matrix-worker.yaml"), "w.yaml").value;
  assert.ok(template && cp && worker);
  return { template, classes: [cp, worker] };
}

/** A fresh Omni simulator (in-memory); the controller drives its in-process admin API. */
async function newOmni(): Promise<{ store: OmniAdmin; close: () => Promise<void> }> {
  const omni = await startOmniSimulator({});
  return { store: omni.admin, close: () => omni.close() };
}

function requests(store: OmniAdmin) {
  return store.list("infra-provider", "MachineRequests.omni.sidero.dev");
}

/** What a provider does: put its finalizer on a request, later remove it. */
function setFinalizers(store: OmniAdmin, id: string, finalizers: string[]): void {
  const current = store.get("infra-provider", "MachineRequests.omni.sidero.dev", id);
  assert.ok(current);
  current.metadata.finalizers = finalizers;
  store.update(current);
}

function statusBytes(stage: number, status: string, uuid = ""): Uint8Array {
  const w = new BinaryWriter();
  if (uuid) w.tag(1, WireType.LengthDelimited).string(uuid);
  w.tag(2, WireType.Varint).int32(stage);
  w.tag(4, WireType.LengthDelimited).string(status);
  return w.finish();
}

describe("machine request IDs", () => {
  it("have Omni's form and repeat for a seed", () => {
    const a = machineRequestId("c-workers", seededRandom(42));
    const b = machineRequestId("c-workers", seededRandom(42));
    assert.equal(a, b);
    assert.match(a, new RegExp(`^c-workers-[${REQUEST_ID_ALPHABET}]{6}$`));
    assert.ok(isMachineRequestIdOf(a, "c-workers"));
    assert.ok(!isMachineRequestIdOf("c-workers-aaaaaa", "c-workers"));
    assert.notEqual(machineRequestId("c-workers", seededRandom(43)), a);
  });

  it("avoid taken IDs", () => {
    const first = machineRequestId("s", seededRandom("x"));
    const second = machineRequestId("s", seededRandom("x"), new Set([first]));
    assert.notEqual(first, second);
  });
});

describe("planRequestSets", () => {
  it("derives the seed's two sets with the class and template fields", () => {
    const { template, classes } = seedInputs();
    const plans = planRequestSets(template, classes);
    assert.deepEqual(
      plans.map((p) => [p.id, p.count, p.providerId, p.machineClass]),
      [
        ["talos-prod-01-control-planes", 3, "matrix-cluster", "matrix-control-plane"],
        ["talos-prod-01-workers", 2, "matrix-cluster", "matrix-worker"],
      ],
    );
    assert.equal(plans[0]?.spec.talosVersion, "1.11.6");
    assert.deepEqual(plans[0]?.spec.extensions, ["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"]);
    assert.match(plans[1]?.spec.providerData ?? "", /memory: 16384/);
  });

  it("refuses a template whose class is missing", () => {
    const { template, classes } = seedInputs();
    assert.throws(
      () => planRequestSets(template, classes.slice(0, 1)),
      (err: unknown) =>
        err instanceof ScenarioControllerError && err.code === "invalid_template" && /matrix-worker/.test(err.message),
    );
  });
});

describe("ScenarioController", () => {
  it("creates labelled requests with the spec Omni would send", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store, random: 7 });
    controller.start();
    const { template, classes } = seedInputs();
    controller.applyTemplate(template, classes);
    const all = requests(store);
    assert.equal(all.length, 5);
    const workers = all.filter((r) => r.metadata.labels[LABEL_REQUEST_SET] === "talos-prod-01-workers");
    assert.equal(workers.length, 2);
    for (const r of all) {
      assert.equal(r.metadata.labels[LABEL_PROVIDER], "matrix-cluster");
      assert.ok(isMachineRequestIdOf(r.metadata.id, r.metadata.labels[LABEL_REQUEST_SET] ?? ""), r.metadata.id);
      assert.equal(r.metadata.owner, "");
    }
    const spec = decodeRequestSpec(workers[0]?.spec.protoSpec ?? new Uint8Array());
    assert.equal(spec.talosVersion, "1.11.6");
    assert.deepEqual(spec.extensions, ["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"]);
    assert.match(spec.providerData, /^cores: 4\n/);
    controller.stop();
  });

  it("scales up, and down newest first, destroying requests once the provider releases them", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store, random: "scale" });
    const events: ScenarioEvent[] = [];
    controller.onEvent((e) => events.push(e));
    controller.start();
    const { template, classes } = seedInputs();
    controller.applyTemplate(template, classes);
    const set = "talos-prod-01-workers";
    controller.scale(set, 4);
    const created = events.filter((e) => e.type === "request-created" && e.set === set).map((e) => e.request);
    assert.equal(created.length, 4);
    // The provider holds every request with its finalizer.
    for (const id of created) setFinalizers(store, id, ["matrix-cluster.ProvisionController"]);

    controller.scale(set, 1);
    await store.settle();
    const tearing = controller
      .requests(set)
      .filter((r) => r.phase === "tearingDown")
      .map((r) => r.id);
    assert.deepEqual(tearing.sort(), created.slice(1).sort(), "the three newest are torn down");
    assert.equal(controller.requests(set).filter((r) => r.phase === "running")[0]?.id, created[0]);
    assert.equal(requests(store).length, 7, "held by finalizers: not destroyed yet");

    // Provider finishes deprovisioning one of them.
    setFinalizers(store, created[3] ?? "", []);
    await store.settle();
    assert.equal(store.get("infra-provider", "MachineRequests.omni.sidero.dev", created[3] ?? ""), undefined);
    assert.ok(events.some((e) => e.type === "request-destroyed" && e.request === created[3]));

    // Scaling down again does not count requests already tearing down.
    controller.scale(set, 0);
    await store.settle();
    assert.equal(controller.requests(set).filter((r) => r.phase === "running").length, 0);
  });

  it("destroys at once requests the provider never picked up", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store });
    controller.start();
    const { template, classes } = seedInputs();
    controller.applyTemplate(template, classes);
    controller.scaleAllToZero();
    await store.settle();
    assert.equal(requests(store).length, 0);
  });

  it("reports status and registration changes", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store });
    const events: ScenarioEvent[] = [];
    controller.onEvent((e) => events.push(e));
    controller.start();
    const { template, classes } = seedInputs();
    controller.applyTemplate(template, classes);
    const request = requests(store)[0];
    assert.ok(request);
    const id = request.metadata.id;
    const statusType = "MachineRequestStatuses.omni.sidero.dev";
    store.create(
      {
        namespace: "infra-provider",
        type: statusType,
        id,
        labels: request.metadata.labels,
        protoSpec: statusBytes(1, 'Running Step: "create" (4/6)'),
      },
      "p",
    );
    const uuid = "8d1f2c44-93b7-4b0e-9a8e-0a3f2b6c1d11";
    const stored = store.get("infra-provider", "MachineRequestStatuses.omni.sidero.dev", id);
    assert.ok(stored);
    stored.spec.protoSpec = statusBytes(2, "Provision Complete", uuid);
    store.update(stored);
    await store.settle();
    store.create({
      namespace: "infra-provider",
      type: "InfraMachineRegistrations.omni.sidero.dev",
      id: uuid,
      labels: { [LABEL_PROVIDER]: "matrix-cluster" },
    });
    const statuses = events.filter((e) => e.type === "status");
    assert.deepEqual(
      statuses.map((e) => (e.type === "status" ? [e.request, e.status.stage, e.status.status] : [])),
      [
        [id, "PROVISIONING", 'Running Step: "create" (4/6)'],
        [id, "PROVISIONED", "Provision Complete"],
      ],
    );
    assert.deepEqual(events.at(-1), {
      type: "registered",
      request: id,
      set: request.metadata.labels[LABEL_REQUEST_SET],
      uuid,
    });
    const view = controller.requests().find((r) => r.id === id);
    assert.equal(view?.registeredUuid, uuid);
    assert.equal(view?.status?.stage, "PROVISIONED");
  });

  it("keeps a throwing listener away from the simulator's commit", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store });
    controller.onEvent(() => {
      throw new Error("renderer broke");
    });
    controller.start();
    const { template, classes } = seedInputs();
    controller.applyTemplate(template, classes);
    assert.equal(requests(store).length, 5);
    assert.match(String(controller.lastListenerError), /renderer broke/);
  });

  it("names the known sets when scaling an unknown one", async () => {
    const { store, close } = await newOmni();
    after(close);
    const controller = new ScenarioController({ store });
    assert.throws(
      () => controller.scale("nope", 1),
      (err: unknown) => err instanceof ScenarioControllerError && err.code === "unknown_request_set",
    );
  });
});
