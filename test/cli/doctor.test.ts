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

  it("takes the same config file and Omni flags as run", async () => {
    const { writeFileSync } = await import("node:fs");
    const config = join(lab.dir, "config.yaml");
    const p = lab.credentials.proxmox;
    writeFileSync(
      config,
      `proxmox:\n  url: "${p.url}"\n  tokenID: "${p.tokenID}"\n  tokenSecret: "${p.tokenSecret}"\n  fingerprint: "${p.fingerprint}"\n`,
    );
    const o = lab.credentials.omni;
    const r = await runCommand(registerDoctorCommand, [
      "doctor",
      "--json",
      "--config-file",
      config,
      "--omni-api-endpoint",
      o.endpoint,
      "--omni-service-account-key",
      o.serviceAccountKey,
      "--omni-ca-file",
      o.caFile ?? "",
      "--id",
      "matrix-cluster",
      CLASSES,
    ]);
    const report = JSON.parse(r.stdout) as DoctorReport;
    // Outside --lab, the lab's loopback SideroLink URL is what it would be for real VMs: unreachable.
    assert.deepEqual(
      report.findings.filter((f) => f.status !== "ok").map((f) => [f.id, f.status]),
      [["omni.siderolink", "fail"]],
    );
    assert.equal(r.code, 1);
    assert.equal(report.source, `config ${config}`);
    assert.equal(
      report.findings.find((f) => f.id === "proxmox.tls")?.title,
      "Proxmox certificate matches the pinned fingerprint",
    );
    assert.ok(!r.stdout.includes(o.serviceAccountKey) && !r.stdout.includes(p.tokenSecret), "no secrets in the output");
  });
});
