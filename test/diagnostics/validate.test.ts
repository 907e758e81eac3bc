/**
 * The validate engine against the seed's examples (all clean) and the broken corpus (each file's
 * `# expect:` lines, exactly), plus the messages for the seed operator's own mistakes.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keyLineIn, readSources, validateSources } from "../../src/diagnostics/validate/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const BROKEN = join(ROOT, "test/fixtures/broken");
const SEED_CLASSES = ["matrix-control-plane.yaml", "matrix-worker.yaml"].map((f) => ({
  file: `examples/machine-classes/${f}`,
  text: readFileSync(join(ROOT, "examples/machine-classes", f), "utf8"),
}));

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => (m[1] ?? "").trim()).sort();
}

function validateBroken(name: string) {
  const text = readFileSync(join(BROKEN, name), "utf8");
  const report = validateSources([...SEED_CLASSES, { file: name, text }]);
  return { text, report, mine: report.findings.filter((f) => f.file === name) };
}

describe("validate engine", () => {
  it("accepts everything in examples/", () => {
    const report = validateSources(readSources([join(ROOT, "examples")]));
    assert.equal(report.errors, 0, JSON.stringify(report.findings, null, 2));
    assert.equal(report.warnings, 0);
    assert.ok(report.files.filter((f) => f.kind === "machine-class").length >= 4);
    assert.ok(report.files.some((f) => f.kind === "cluster-template"));
  });

  for (const name of readdirSync(BROKEN)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    it(`reports ${name} with the right line and key path`, () => {
      const { text, mine } = validateBroken(name);
      const got = mine.map((f) => `${f.severity} ${f.line} ${f.path === "" ? "-" : f.path}`).sort();
      assert.deepEqual(got, expectations(text), mine.map((f) => f.message).join("\n"));
      assert.ok(got.length > 0);
    });
  }

  it("tells the operator to write storageType or storage.type instead of type", () => {
    const { mine } = validateBroken("class-type-keyword-selector.yaml");
    assert.match(mine[0]?.message ?? "", /storageType == "rbd" or storage\.type == "rbd"/);
  });

  it("tells the operator to split a single-document template with ---", () => {
    const { mine } = validateBroken("template-single-document.yaml");
    assert.ok(mine.every((f) => f.message.includes("---") && f.message.includes("kind: ")));
  });

  it("only warns about unresolved classes when no class file was given", () => {
    const text = readFileSync(join(ROOT, "examples/clusters/talos-prod-01.yaml"), "utf8");
    const report = validateSources([{ file: "t.yaml", text }]);
    assert.equal(report.errors, 0);
    assert.equal(report.warnings, 2);
    assert.match(report.findings[0]?.message ?? "", /pass the MachineClass files too/);
  });

  it("reports a machine class defined twice", () => {
    const [first] = SEED_CLASSES;
    assert.ok(first);
    const report = validateSources([first, { file: "copy.yaml", text: first.text }]);
    assert.deepEqual(
      report.findings.map((f) => [f.file, f.code]),
      [["copy.yaml", "duplicate_machine_class"]],
    );
  });

  it("finds key lines inside embedded YAML", () => {
    const text = "cores: 2\nadditional_disks:\n  - disk_size: 1\n  - disk_size: 2\n    storage_selector: x\n";
    assert.equal(keyLineIn(text, "additional_disks[1].storage_selector"), 4);
    assert.equal(keyLineIn(text, "additional_disks[1]"), 3);
    assert.equal(keyLineIn(text, "memory"), undefined);
  });
});
