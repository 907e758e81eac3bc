/** `omni-proxmox doctor` as a user runs it: text and --json output, exit codes, --print-role. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { registerDoctorCommand } from "../../src/cli/commands/doctor.ts";
import type { DoctorReport } from "../../src/diagnostics/doctor/index.ts";
import { genericRequirements, roleCommands } from "../../src/diagnostics/doctor/index.ts";
import { startTestLab, type TestLab } from "../diagnostics/lab-harness.ts";
import { runCommand } from "./run-command.ts";

const CLASSES = join(import.meta.dirname, "../../examples/machine-classes");

describe("omni-proxmox doctor", () => {
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab({});
  });
  after(async () => {
    await lab.close();
  });

  it("exits 0 on a healthy lab and prints one line per finding", async () => {
    const r = await runCommand(registerDoctorCommand, ["doctor", "--lab", lab.dir, CLASSES]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^ok {3}omni\.key: /m);
    assert.match(r.stdout, /^ok {3}proxmox\.privileges\.vms: /m);
    assert.match(r.stdout, /^0 fail, 0 warn, \d+ ok \(lab /m);
  });

  it("--json and exit 1 when a check fails (node without the bridge a class needs)", async () => {
    const file = join(lab.dir, "vmbr9.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      file,
      'metadata:\n  namespace: default\n  type: MachineClasses.omni.sidero.dev\n  id: other-bridge\nspec:\n  autoprovision:\n    providerid: matrix-cluster\n    providerdata: |\n      memory: 4096\n      disk_size: 20\n      storage_selector: name == "vm_ssd"\n      network_bridge: vmbr9\n',
    );
    const r = await runCommand(registerDoctorCommand, ["doctor", "--json", "--lab", lab.dir, file]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const bridges = report.findings.find((f) => f.id === "proxmox.bridges");
    assert.equal(bridges?.status, "fail");
    assert.match(bridges?.detail ?? "", /foxtrot has no bridge vmbr9/);
    assert.ok(bridges?.fix);
  });

  it("--print-role prints the pveum commands derived from requirementsFor", async () => {
    const r = await runCommand(registerDoctorCommand, ["doctor", "--print-role"]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.split("\n"), roleCommands(genericRequirements()));
    assert.match(r.stdout, /^pveum role add OmniProxmoxProvider -privs ".*VM\.Allocate.*"$/m);
    const named = await runCommand(registerDoctorCommand, [
      "doctor",
      "--print-role",
      "--role-user",
      "k8s@pve",
      "--role-token",
      "omni",
    ]);
    assert.match(named.stdout, /pveum user token add k8s@pve omni -privsep 1/);
  });

  it("without any configuration says what to pass (exit 1)", async () => {
    const r = await runCommand(registerDoctorCommand, ["doctor", "--config-file", join(lab.dir, "missing.yaml")]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL config: configuration does not parse/m);
  });
});
