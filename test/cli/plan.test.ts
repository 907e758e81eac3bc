/**
 * `omni-proxmox plan --lab DIR` against the Proxmox simulator: the seed's template on a healthy cluster,
 * an offline node, a selector nothing matches, and `--class --count` with headroom.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { registerPlanCommand } from "../../src/cli/commands/plan.ts";
import type { PlanReport } from "../../src/diagnostics/plan/index.ts";
import { defaultMatrixWorld } from "../../src/lab/pve/index.ts";
import { markTags } from "../../src/provider/vmspec/index.ts";
import { startTestLab, type TestLab } from "../diagnostics/lab-harness.ts";
import { runCommand } from "./run-command.ts";

const ROOT = join(import.meta.dirname, "../..");
const TEMPLATE = join(ROOT, "examples/clusters/talos-prod-01.yaml");
const CLASSES = join(ROOT, "examples/machine-classes");
const WORKER = join(CLASSES, "matrix-worker.yaml");

async function plan(lab: TestLab, ...args: string[]) {
  const r = await runCommand(registerPlanCommand, ["plan", "--lab", lab.dir, ...args]);
  return { ...r, report: r.stdout.startsWith("{") ? (JSON.parse(r.stdout) as PlanReport) : undefined };
}

describe("omni-proxmox plan", () => {
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab({ omni: false });
  });
  after(async () => {
    await lab.close();
  });

  it("places the seed's template: control planes on three nodes, everything on vm_ssd, ISO on local", async () => {
    const { report, code } = await plan(lab, "--json", TEMPLATE, CLASSES);
    assert.equal(code, 0);
    assert.ok(report);
    assert.equal(report.fits, true);
    assert.equal(report.machines.length, 5);
    const cps = report.machines.filter((m) => m.set === "talos-prod-01-control-planes");
    assert.deepEqual(new Set(cps.map((m) => (m.ok ? m.node : ""))), new Set(["foxtrot", "golf", "hotel"]));
    for (const m of report.machines) {
      assert.ok(m.ok);
      assert.equal(m.storages.boot, "vm_ssd");
      assert.equal(m.storages.iso, "local");
      assert.equal(m.storages.cidata, "local");
      assert.ok(m.reason.length > 0);
      assert.equal(m.nodes.length, 3);
    }
    const selector = report.selectors.find((s) => s.className === "matrix-worker" && s.key === "storage_selector");
    assert.ok(selector);
    assert.deepEqual(
      selector.nodes.map((n) => n.best),
      ["vm_ssd", "vm_ssd", "vm_ssd"],
    );
    assert.match(selector.nodes[0]?.verdicts.find((v) => v.storage === "local")?.reason ?? "", /cannot hold images/);
    // 3 × 64 GiB; after the plan (3 × 8 + 2 × 16 GiB + the unrelated 4 GiB VM) 7 more 16 GiB workers fit.
    assert.deepEqual(
      report.headroom.map((h) => [h.className, h.more]),
      [
        ["matrix-control-plane", 16],
        ["matrix-worker", 7],
      ],
    );
  });

  it("prints reasons in text form", async () => {
    const { stdout, code } = await plan(lab, TEMPLATE, CLASSES);
    assert.equal(code, 0);
    assert.match(stdout, /talos-prod-01-workers-1 \(matrix-worker\) → \w+: disk on vm_ssd, ISO on local/);
    assert.match(stdout, /why: /);
    assert.match(stdout, /Fits: all 5 new machine\(s\)/);
    assert.match(stdout, /matrix-worker: 7 more would fit/);
  });

  it("--class FILE --count N plans one class; too many do not fit (exit 1)", async () => {
    const { report, code } = await plan(lab, "--json", "--class", WORKER, "--count", "12");
    assert.equal(code, 1);
    assert.ok(report);
    assert.equal(report.machines.filter((m) => m.ok).length, 11);
    const failed = report.machines.find((m) => !m.ok);
    assert.ok(failed && !failed.ok);
    assert.equal(failed.code, "insufficient_memory");
    assert.equal(report.headroom[0]?.more, 0);
  });

  it("keeps VMs off an offline node and says why", async () => {
    lab.pve.admin.setNodeOnline("hotel", false);
    try {
      const { report } = await plan(lab, "--json", TEMPLATE, CLASSES);
      assert.ok(report);
      assert.equal(report.fits, true);
      assert.ok(report.machines.every((m) => m.ok && m.node !== "hotel"));
      const first = report.machines[0];
      assert.ok(first?.ok);
      assert.match(first.nodes.find((n) => n.node === "hotel")?.reason ?? "", /offline|not online/);
    } finally {
      lab.pve.admin.setNodeOnline("hotel", true);
    }
  });

  it("reports a selector that matches no storage, per node, and does not fit", async () => {
    const file = join(lab.dir, "fast.yaml");
    writeFileSync(
      file,
      [
        "metadata:",
        "  namespace: default",
        "  type: MachineClasses.omni.sidero.dev",
        "  id: fast",
        "spec:",
        "  autoprovision:",
        "    providerid: matrix-cluster",
        "    providerdata: |",
        "      memory: 4096",
        "      disk_size: 20",
        '      storage_selector: storageType == "zfspool"',
        "",
      ].join("\n"),
    );
    const { report, code } = await plan(lab, "--json", "--class", file, "--count", "1");
    assert.equal(code, 1);
    assert.ok(report);
    assert.equal(report.fits, false);
    const selector = report.selectors.find((s) => s.key === "storage_selector");
    assert.ok(selector);
    assert.ok(selector.nodes.every((n) => n.best === undefined && n.matched.length === 0));
    assert.match(selector.nodes[0]?.verdicts.find((v) => v.storage === "vm_ssd")?.reason ?? "", /is false/);
  });

  it("refuses invalid classes with validate's findings (exit 2)", async () => {
    const r = await plan(
      lab,
      "--class",
      join(ROOT, "test/fixtures/broken/class-type-keyword-selector.yaml"),
      "--count",
      "1",
    );
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /class-type-keyword-selector\.yaml:13: error: spec\.autoprovision\.providerdata\.storage_selector/,
    );
  });

  it("says how to start the lab when credentials.json is missing", async () => {
    const r = await runCommand(registerPlanCommand, [
      "plan",
      "--lab",
      join(lab.dir, "nowhere"),
      "--class",
      WORKER,
      "--count",
      "1",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /credentials\.json: cannot read \(ENOENT\); start the lab/);
  });

  it("does not place a set's machines again when their VMs already exist", async () => {
    const world = defaultMatrixWorld();
    world.vms.push({
      vmid: 201,
      node: "golf",
      status: "running",
      config: {
        name: "talos-prod-01-workers-bcdfgh",
        cores: 4,
        memory: "16384",
        scsi0: "vm_ssd:vm-201-disk-0,size=100G",
        tags: markTags("matrix-cluster", "talos-prod-01-workers-bcdfgh").join(";"),
      },
    });
    const deployed = await startTestLab({ omni: false, world });
    try {
      const { report } = await plan(deployed, "--json", TEMPLATE, CLASSES);
      assert.ok(report);
      assert.deepEqual(report.existing, [
        { set: "talos-prod-01-workers", requestId: "talos-prod-01-workers-bcdfgh", vmid: 201, node: "golf" },
      ]);
      assert.equal(report.machines.filter((m) => m.set === "talos-prod-01-workers").length, 1);
      assert.equal(report.machines.length, 4);
    } finally {
      await deployed.close();
    }
  });

  it("refuses class files without a template or a count instead of planning nothing", async () => {
    const r = await plan(lab, CLASSES);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /machine classes without a cluster template or a count; add the template/);
    assert.match(r.stderr, /--class FILE --count N/);
  });

  it("takes the provider's config file instead of --lab (no Omni settings needed)", async () => {
    const config = join(lab.dir, "config.yaml");
    const p = lab.credentials.proxmox;
    writeFileSync(
      config,
      `proxmox:\n  url: "${p.url}"\n  tokenID: "${p.tokenID}"\n  tokenSecret: "${p.tokenSecret}"\n  caFile: "${p.caFile}"\n`,
    );
    const r = await runCommand(registerPlanCommand, [
      "plan",
      "--json",
      "--config-file",
      config,
      "--class",
      WORKER,
      "--count",
      "2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as PlanReport;
    assert.equal(report.source, `config ${config}`);
    assert.equal(report.machines.length, 2);
  });
});
