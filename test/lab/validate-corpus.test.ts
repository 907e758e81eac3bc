/**
 * A corpus of broken (and warned) machine classes and templates, each file stating the findings it
 * must produce (`# expect: <severity> <line> <key path> <code>`), checked against the parsers `validate`
 * uses. Templates are resolved against the seed's machine classes. The `validate` command's own tests
 * can run the same corpus through the CLI.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadSeedScenario } from "../../src/lab/scenario/seed.ts";
import {
  detectYamlKind,
  parseClusterTemplate,
  parseMachineClasses,
  resolveMachineClasses,
} from "../../src/templates/index.ts";

const CORPUS = join(import.meta.dirname, "fixtures/validate");

function expectations(text: string): string[] {
  return [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => (m[1] ?? "").trim()).sort();
}

describe("validate corpus", () => {
  const { classes } = loadSeedScenario();
  for (const file of readdirSync(CORPUS)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    it(file, () => {
      const text = readFileSync(join(CORPUS, file), "utf8");
      const kind = detectYamlKind(text);
      assert.equal(kind, file.startsWith("template-") ? "cluster-template" : "machine-class");
      const diagnostics =
        kind === "cluster-template"
          ? (() => {
              const parsed = parseClusterTemplate(text, file);
              return [...parsed.diagnostics, ...(parsed.value ? resolveMachineClasses(parsed.value, classes) : [])];
            })()
          : parseMachineClasses(text, file).diagnostics;
      const got = diagnostics.map((d) => `${d.severity} ${d.line} ${d.path} ${d.code}`).sort();
      assert.deepEqual(got, expectations(text), diagnostics.map((d) => d.message).join("\n"));
      for (const d of diagnostics) assert.ok(d.message.length > 10, `message says something: ${d.message}`);
    });
  }
});
