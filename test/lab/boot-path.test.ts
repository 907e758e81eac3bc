/**
 * The Omni side of the lab and the "VM boot" against both simulators: the seed's template becomes
 * MachineRequests; a stand-in for the provider (over Proxmox's HTTPS API) uploads a Talos ISO
 * and a NoCloud cidata ISO, creates and starts a VM per worker request; the boot watcher reads the
 * media from the Proxmox model and registers the machines with Omni; scaling down tears requests down.
 * The real provider replaces the stand-in in the lab's end-to-end test.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BootWatcher } from "../../src/lab/boot/boot-watcher.ts";
import { encodeJoinToken, LABEL, NS, type OmniSimulator, startOmniSimulator, TYPE } from "../../src/lab/omni/index.ts";
import { type PveSimulator, startPveSimulator } from "../../src/lab/pve/index.ts";
import { ScenarioController } from "../../src/lab/scenario/omni-controllers.ts";
import { ProgressModel, renderSummaryTable } from "../../src/lab/scenario/progress.ts";
import { parseClusterTemplate, parseMachineClass } from "../../src/templates/index.ts";
import { joinUserData, StandInProvider } from "./stand-in-provider.ts";

const PROVIDER = "matrix-cluster";
const examples = join(import.meta.dirname, "../../examples");
const read = (rel: string): string => readFileSync(join(examples, rel), "utf8");

describe("lab boot path: template → requests → VMs → registrations → scale-down", () => {
  let pve: PveSimulator;
  let omni: OmniSimulator;
  let provider: StandInProvider;
  let dir: string;
  let controller: ScenarioController;
  let progress: ProgressModel;
  let watcher: BootWatcher;
  let joinToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "lab-boot-path-"));
    pve = await startPveSimulator({ timeFactor: 0, dataDir: join(dir, "pve") });
    omni = await startOmniSimulator({});
    provider = new StandInProvider({ pve, omni, providerId: PROVIDER, workDir: dir });
    const plain = omni.registerProvider(PROVIDER);
    joinToken = encodeJoinToken(plain, { [LABEL.infraProviderId]: PROVIDER }, "v2");
    controller = new ScenarioController({ store: omni.admin, random: "boot-path" });
    progress = new ProgressModel();
    controller.onEvent((e) => progress.applyScenarioEvent(e));
    controller.start();
    watcher = new BootWatcher({ pve: pve.admin, omni: omni.admin, onBoot: (o) => progress.applyBoot(o) });
    watcher.scan(); // baseline: VMs of the seed world already running are not booting now
  });

  after(async () => {
    controller.stop();
    watcher.stop();
    await omni.close();
    await pve.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("turns the seed template into labelled requests", () => {
    const template = parseClusterTemplate(read("clusters/talos-prod-01.yaml"), "talos-prod-01.yaml").value;
    const cp = parseMachineClass(read("machine-classes/matrix-control-plane.yaml"), "cp.yaml").value;
    const worker = parseMachineClass(read("machine-classes/matrix-worker.yaml"), "w.yaml").value;
    assert.ok(template && cp && worker);
    controller.applyTemplate(template, [cp, worker]);
    const requests = omni.admin.list(NS.infra, TYPE.machineRequest);
    assert.equal(requests.length, 5);
    assert.equal(progress.summary().requested, 5);
  });

  it("registers booted VMs whose cidata carries the provider's token, and not a forged one", async () => {
    const workers = controller.requests("talos-prod-01-workers").map((r) => r.id);
    assert.equal(workers.length, 2);
    const forged = encodeJoinToken("wrong-secret", { [LABEL.infraProviderId]: PROVIDER }, "v2");
    for (const [i, request] of workers.entries()) {
      await provider.provision(request, {
        vmid: 200 + i,
        node: "foxtrot",
        uuid: `6f0c1d2e-3a4b-4c5d-8e9f-00000000020${i}`,
        userData: joinUserData(i === 0 ? joinToken : forged),
      });
    }
    progress.applyVms(pve.admin.snapshot().vms);
    const outcomes = watcher.scan();
    await omni.admin.settle();
    assert.deepEqual(
      outcomes.map((o) => [o.vmid, o.registered, o.registered ? "" : o.problem]),
      [
        [200, true, ""],
        [201, false, "token_rejected"],
      ],
    );
    const registration = omni.admin.get(NS.infra, TYPE.machineRegistration, outcomes[0]?.uuid ?? "");
    assert.equal(registration?.metadata.labels[LABEL.infraProviderId], PROVIDER);
    assert.equal(registration?.metadata.labels[LABEL.machineRequest], workers[0], "Omni linked it via MRS.id");

    const rows = progress.machines().filter((m) => workers.includes(m.request));
    assert.deepEqual(
      rows.map((r) => [r.request, r.stage, r.node, r.vmid, r.storage, r.registered]),
      [
        [workers[0], "PROVISIONED", "foxtrot", 200, "vm_ssd", true],
        [workers[1], "PROVISIONED", "foxtrot", 201, "vm_ssd", false],
      ],
    );
    const summary = progress.summary();
    assert.equal(summary.registered, 1);
    assert.equal(summary.failed.length, 1);
    assert.match(summary.failed[0]?.error ?? "", /token_rejected/);
    assert.ok(!summary.failed[0]?.error.includes(forged));
    assert.match(renderSummaryTable(progress.machines()), /foxtrot\s+200\s+vm_ssd/);
  });

  it("scales workers down: requests torn down, destroyed once the provider lets go", async () => {
    const workers = controller.requests("talos-prod-01-workers").map((r) => r.id);
    controller.scale("talos-prod-01-workers", 0);
    await omni.admin.settle();
    assert.deepEqual(
      controller.requests("talos-prod-01-workers").map((r) => r.phase),
      ["tearingDown", "tearingDown"],
    );
    for (const [i, request] of workers.entries())
      await provider.deprovision(request, { vmid: 200 + i, node: "foxtrot" });
    await omni.admin.settle();
    assert.deepEqual(controller.requests("talos-prod-01-workers"), []);
    const rows = progress.machines().filter((m) => workers.includes(m.request));
    assert.deepEqual(
      rows.map((r) => r.stage),
      ["DEPROVISIONED", "DEPROVISIONED"],
    );
    assert.equal(progress.summary().deprovisioned, 2);
    assert.equal(controller.requests("talos-prod-01-control-planes").length, 3, "control planes untouched");
  });
});
