import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diskStorages, ProgressModel, renderEventLine, renderLiveView, renderSummaryTable } from "./progress.ts";
import type { RequestStatusFields } from "./specs.ts";

const SET = "talos-prod-01-workers";
const A = `${SET}-bcdfgh`;
const B = `${SET}-jklmnp`;
const UUID_A = "8d1f2c44-93b7-4b0e-9a8e-0a3f2b6c1d11";

function status(stage: RequestStatusFields["stage"], text: string, id = "", error = ""): RequestStatusFields {
  return { stage, status: text, id, error };
}

function clockModel(): { model: ProgressModel; tick: (ms: number) => void } {
  let now = 1_000_000;
  const model = new ProgressModel({ now: () => now });
  return { model, tick: (ms) => (now += ms) };
}

describe("ProgressModel", () => {
  it("follows a request from creation to registration, one event line per change", () => {
    const { model, tick } = clockModel();
    const lines: string[] = [];
    model.onEvent((e) => lines.push(renderEventLine(e)));
    model.applyScenarioEvent({ type: "request-created", request: A, set: SET });
    tick(1500);
    model.applyScenarioEvent({
      type: "status",
      request: A,
      set: SET,
      status: status("PROVISIONING", 'Running Step: "create" (4/6)'),
    });
    model.applyScenarioEvent({
      type: "status",
      request: A,
      set: SET,
      status: status("PROVISIONING", 'Running Step: "create" (4/6)'),
    });
    model.applyVms([
      {
        vmid: 101,
        node: "golf",
        status: "stopped",
        config: {
          name: A,
          scsi0: "vm_ssd:vm-101-disk-0,size=100G",
          ide2: "local:iso/t.iso,media=cdrom",
          smbios1: `uuid=${UUID_A}`,
        },
      },
    ]);
    tick(2000);
    model.applyScenarioEvent({
      type: "status",
      request: A,
      set: SET,
      status: status("PROVISIONED", "Provision Complete", UUID_A),
    });
    model.applyBoot({ vmid: 101, node: "golf", uuid: UUID_A, registered: true });
    model.applyScenarioEvent({ type: "registered", request: A, set: SET, uuid: UUID_A });
    assert.deepEqual(lines, [
      `[   0.0s] ${A}  requested (${SET})`,
      `[   1.5s] ${A}  provisioning: Running Step: "create" (4/6)`,
      `[   1.5s] ${A}  VM 101 created on golf (disk on vm_ssd)`,
      `[   3.5s] ${A}  provisioned: Provision Complete`,
      `[   3.5s] ${A}  VM 101 booted and registered as ${UUID_A}`,
    ]);
    const [row] = model.machines();
    assert.deepEqual(
      { ...row },
      {
        request: A,
        set: SET,
        stage: "PROVISIONED",
        status: "Provision Complete",
        error: "",
        node: "golf",
        vmid: 101,
        storage: "vm_ssd",
        uuid: UUID_A,
        registered: true,
        provisioned: true,
      },
    );
    assert.ok(model.settledUp());
  });

  it("summarises counts, failures and teardown for --json", () => {
    const { model } = clockModel();
    for (const r of [A, B]) model.applyScenarioEvent({ type: "request-created", request: r, set: SET });
    model.applyScenarioEvent({
      type: "status",
      request: A,
      set: SET,
      status: status("PROVISIONED", "Provision Complete", UUID_A),
    });
    model.applyScenarioEvent({
      type: "status",
      request: B,
      set: SET,
      status: status("FAILED", 'Running Step: "place" (2/6)', "", 'no node has 16384 MiB free for "memory"'),
    });
    assert.ok(!model.settledUp());
    model.applyScenarioEvent({ type: "request-tearing-down", request: A, set: SET });
    // The provider's status update during teardown must not move the stage back.
    model.applyScenarioEvent({
      type: "status",
      request: A,
      set: SET,
      status: status("PROVISIONED", "Provision Complete", UUID_A),
    });
    model.applyScenarioEvent({ type: "request-destroyed", request: A, set: SET });
    const summary = model.summary();
    assert.equal(summary.requested, 2);
    assert.equal(summary.provisioned, 1);
    assert.equal(summary.deprovisioned, 1);
    assert.deepEqual(summary.failed, [{ request: B, error: 'no node has 16384 MiB free for "memory"' }]);
    assert.deepEqual(summary.machines[0], {
      request: A,
      node: null,
      vmid: null,
      uuid: UUID_A,
      stage: "DEPROVISIONED",
      storage: null,
    });
    assert.ok(!model.settledDown());
  });

  it("records a boot that did not register as a failure with its reason", () => {
    const { model } = clockModel();
    model.applyScenarioEvent({ type: "request-created", request: A, set: SET });
    model.applyVms([{ vmid: 104, node: "hotel", status: "running", config: { tags: `omni;${A}` } }]);
    model.applyBoot({ vmid: 104, node: "hotel", registered: false, problem: "no_join_token", detail: "no jointoken" });
    assert.deepEqual(model.summary().failed, [{ request: A, error: "not registered: no_join_token: no jointoken" }]);
    assert.match(renderSummaryTable(model.machines()), /no \(see below\)[\s\S]*no_join_token/);
  });
});

describe("ProgressModel VMID reuse", () => {
  it("attributes a boot to the live request, not to a deprovisioned one that had the same VMID", () => {
    const { model } = clockModel();
    model.applyScenarioEvent({ type: "request-created", request: A, set: SET });
    model.applyVms([{ vmid: 101, node: "golf", status: "running", config: { name: A } }]);
    model.applyScenarioEvent({ type: "request-tearing-down", request: A, set: SET });
    model.applyScenarioEvent({ type: "request-destroyed", request: A, set: SET });
    model.applyScenarioEvent({ type: "request-created", request: B, set: SET });
    model.applyVms([{ vmid: 101, node: "hotel", status: "running", config: { name: B } }]);
    model.applyBoot({ vmid: 101, node: "hotel", registered: false, problem: "no_cidata", detail: "x" });
    const rows = model.machines();
    assert.equal(rows.find((r) => r.request === A)?.bootProblem, undefined);
    assert.equal(rows.find((r) => r.request === B)?.bootProblem, "no_cidata: x");
    assert.equal(rows.find((r) => r.request === B)?.node, "hotel");
  });
});

describe("rendering", () => {
  it("aligns the summary table", () => {
    const { model } = clockModel();
    model.applyScenarioEvent({ type: "request-created", request: A, set: SET });
    model.applyVms([
      { vmid: 101, node: "foxtrot", status: "running", config: { name: A, scsi0: "vm_ssd:vm-101-disk-0" } },
    ]);
    const table = renderSummaryTable(model.machines()).split("\n");
    assert.equal(table.length, 2);
    assert.match(table[0] ?? "", /^REQUEST\s+STAGE\s+NODE\s+VMID\s+STORAGE\s+UUID\s+REGISTERED$/);
    assert.equal(table[1]?.indexOf("foxtrot"), table[0]?.indexOf("NODE"));
  });

  it("clips the live view to the terminal width", () => {
    const { model } = clockModel();
    model.applyScenarioEvent({ type: "request-created", request: A, set: SET });
    const view = renderLiveView(model.machines(), model.events(), { title: "lab", elapsedMs: 1234, width: 40 });
    for (const line of view.split("\n")) assert.ok(line.length <= 40, line);
    assert.match(view, /^lab — 1\.2s — 1 requests/);
  });

  it("finds disk storages but not CD-ROMs", () => {
    assert.equal(
      diskStorages({
        scsi0: "vm_ssd:vm-1-disk-0",
        scsi1: "local-lvm:vm-1-disk-1",
        ide2: "local:iso/t.iso,media=cdrom",
      }),
      "vm_ssd+local-lvm",
    );
    assert.equal(diskStorages({ ide2: "none,media=cdrom" }), undefined);
  });
});
