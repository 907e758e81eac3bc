/**
 * LabScenario against both simulators: the seed (resized to 1 + 1 machines) goes up — requests, VMs,
 * boots, registrations — and back down, with the progress model settling each way. A stand-in plays the
 * provider over Proxmox's HTTPS API.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeJoinToken, LABEL, type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { type PveSimulator, startPveSimulator } from "../../src/lab/pve/index.ts";
import { findLeftovers } from "../../src/lab/scenario/leftovers.ts";
import { LabScenario, LabScenarioError } from "../../src/lab/scenario/runner.ts";
import { loadSeedScenario, SeedScenarioError, withCounts } from "../../src/lab/scenario/seed.ts";
import { joinUserData, StandInProvider } from "./stand-in-provider.ts";

const PROVIDER = "matrix-cluster";

describe("loadSeedScenario", () => {
  it("reads the seed and applies count overrides", () => {
    const seed = loadSeedScenario({ controlPlanes: 1, workers: 4 });
    assert.equal(seed.template.controlPlane.machineClass?.size, 1);
    assert.equal(seed.template.workers[0]?.machineClass?.size, 4);
    assert.deepEqual(
      seed.classes.map((c) => c.id),
      ["matrix-control-plane", "matrix-worker"],
    );
    assert.deepEqual(seed.diagnostics, []);
    assert.equal(loadSeedScenario({ controlPlanes: 2 }).diagnostics[0]?.code, "even_control_planes");
  });

  it("rejects impossible counts and a missing examples folder", () => {
    const { template } = loadSeedScenario();
    assert.throws(() => withCounts(template, { controlPlanes: 0 }), RangeError);
    assert.throws(() => withCounts(template, { workers: 1.5 }), RangeError);
    assert.throws(() => loadSeedScenario({ examplesDir: join(tmpdir(), "no-such-examples") }), /ENOENT/);
    assert.ok(new SeedScenarioError("x", []).code === "invalid_seed");
  });
});

describe("LabScenario", () => {
  let pve: PveSimulator;
  let omni: OmniSimulator;
  let dir: string;
  let provider: StandInProvider;
  let scenario: LabScenario;
  let token: string;
  let baseline: ReturnType<PveSimulator["admin"]["snapshot"]>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "lab-scenario-"));
    pve = await startPveSimulator({ timeFactor: 0, dataDir: join(dir, "pve") });
    omni = await startOmniSimulator({});
    const plain = omni.registerProvider(PROVIDER);
    token = encodeJoinToken(plain, { [LABEL.infraProviderId]: PROVIDER }, "v2");
    provider = new StandInProvider({ pve, omni, providerId: PROVIDER, workDir: dir });
    baseline = pve.admin.snapshot();
    const seed = loadSeedScenario({ controlPlanes: 1, workers: 1 });
    scenario = new LabScenario({ pve: pve.admin, omni: omni.admin, ...seed, random: "runner", pollIntervalMs: 20 });
  });

  after(async () => {
    scenario.stop();
    await provider.close();
    await omni.close();
    await pve.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("times out with a summary when nothing happens", async () => {
    const plans = scenario.start();
    assert.deepEqual(
      plans.map((p) => [p.id, p.count]),
      [
        ["talos-prod-01-control-planes", 1],
        ["talos-prod-01-workers", 1],
      ],
    );
    await assert.rejects(
      scenario.waitUntil((p) => p.settledUp(), { timeoutMs: 50 }),
      (err: unknown) =>
        err instanceof LabScenarioError && err.code === "timeout" && /2 requested, 0 provisioned/.test(err.message),
    );
  });

  it("settles up once every request is provisioned and its VM registered", async () => {
    const vms = new Map<string, { vmid: number; node: string }>();
    const nodes = ["foxtrot", "golf"];
    for (const [i, request] of scenario.controller
      .requests()
      .map((r) => r.id)
      .entries()) {
      const vm = { vmid: 300 + i, node: nodes[i] ?? "hotel", uuid: `0b6a3c1e-7d2f-4e8a-9c5b-00000000030${i}` };
      vms.set(request, vm);
      await provider.provision(request, { ...vm, userData: joinUserData(token) });
    }
    await scenario.waitUntil((p) => p.settledUp(), { timeoutMs: 10_000 });
    const summary = scenario.progress.summary();
    assert.equal(summary.requested, 2);
    assert.equal(summary.provisioned, 2);
    assert.equal(summary.registered, 2);
    assert.deepEqual(
      summary.machines.map((m) => [m.node, m.vmid, m.storage]),
      [
        ["foxtrot", 300, "vm_ssd"],
        ["golf", 301, "vm_ssd"],
      ],
    );

    assert.match(scenario.liveFrame({ width: 200 }), /^omni-proxmox lab — .* 2 requests, 2 provisioned, 2 registered/);

    scenario.tearDown();
    await omni.admin.settle();
    for (const r of scenario.controller.requests()) {
      assert.equal(r.phase, "tearingDown");
      const vm = vms.get(r.id);
      assert.ok(vm);
      await provider.deprovision(r.id, vm);
    }
    await scenario.waitUntil((p) => p.settledDown(), { timeoutMs: 10_000 });
    assert.equal(scenario.progress.summary().deprovisioned, 2);
    // The Talos ISO stays (shared boot media, as the provider keeps it); everything per-machine is gone.
    const left = findLeftovers(baseline, pve.admin.snapshot());
    assert.deepEqual(left.vms, []);
    assert.deepEqual(
      left.volumes.map((v) => v.volid),
      ["local:iso/talos-v1.11.6.iso", "local:iso/talos-v1.11.6.iso"],
    );
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const waiting = scenario.waitUntil(() => false, { signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, (err: unknown) => err instanceof LabScenarioError && err.code === "aborted");
  });
});
