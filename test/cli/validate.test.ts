/** `omni-proxmox validate` and `schema` as a user runs them: output format, --json and exit codes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { registerSchemaCommand } from "../../src/cli/commands/schema.ts";
import { registerValidateCommand } from "../../src/cli/commands/validate.ts";
import { runCommand } from "./run-command.ts";

const ROOT = join(import.meta.dirname, "../..");
const BROKEN = join(ROOT, "test/fixtures/broken");

describe("omni-proxmox validate", () => {
  it("passes the examples directory with exit 0", async () => {
    const r = await runCommand(registerValidateCommand, ["validate", join(ROOT, "examples")]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^ok: \d+ file\(s\): 0 error\(s\), 0 warning\(s\)$/);
  });

  it("prints FILE:LINE: error: <key path>: <message> and exits 1", async () => {
    const file = join(BROKEN, "class-type-keyword-selector.yaml");
    const r = await runCommand(registerValidateCommand, ["validate", file]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout.split("\n")[0]?.startsWith(`${file}:13: error: spec.autoprovision.providerdata.storage_selector: `),
      true,
      r.stdout,
    );
  });

  it("resolves template references among the given files", async () => {
    const r = await runCommand(registerValidateCommand, [
      "validate",
      join(ROOT, "examples/machine-classes"),
      join(BROKEN, "template-unresolved-class.yaml"),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /template-unresolved-class\.yaml:15: error: Workers\.machineClass\.name: .*"matrix-worker"/);
  });

  it("exits 0 when there are only warnings", async () => {
    const r = await runCommand(registerValidateCommand, [
      "validate",
      join(ROOT, "examples/machine-classes"),
      join(BROKEN, "template-even-control-planes.yaml"),
    ]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /:11: warning: ControlPlane\.machineClass\.size: /);
  });

  it("--json prints the whole report", async () => {
    const r = await runCommand(registerValidateCommand, ["validate", "--json", join(BROKEN, "class-memory-typo.yaml")]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { errors: number; findings: { path: string; line: number }[] };
    assert.equal(report.errors, 2);
    assert.deepEqual(
      report.findings.map((f) => [f.line, f.path]),
      [
        [9, "spec.autoprovision.providerdata.memory"],
        [10, "spec.autoprovision.providerdata.memroy"],
      ],
    );
  });

  it("a missing file is a usage error (exit 2)", async () => {
    const r = await runCommand(registerValidateCommand, ["validate", join(BROKEN, "nope.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.yaml: cannot read \(ENOENT\)/);
  });
});

describe("omni-proxmox schema", () => {
  it("prints the providerdata JSON Schema", async () => {
    const r = await runCommand(registerSchemaCommand, ["schema"]);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; $schema: string };
    assert.match(schema.$schema, /draft-07/);
    for (const key of ["memory", "disk_size", "storage_selector", "node_selector"]) assert.ok(key in schema.properties);
  });
});
