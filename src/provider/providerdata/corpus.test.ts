/**
 * The machine class corpus (test/fixtures/machine-classes): real classes from users' repositories,
 * the seed, the Go provider's README and issues. Each must validate as the Go provider v0.3.0 would,
 * except where expected.yaml records a deliberate divergence.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseMachineClass } from "./machine-class.ts";

const DIR = join(import.meta.dirname, "../../../test/fixtures/machine-classes");

interface Expectation {
  readonly file: string;
  readonly go: "valid" | "invalid";
  readonly ours: "valid" | "invalid";
  readonly path?: string;
  readonly divergence?: string;
}

const expectations = parseYaml(readFileSync(join(DIR, "expected.yaml"), "utf8")) as Expectation[];

describe("machine class corpus", () => {
  it("has at least 50 classes and an expectation for each", () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".yaml") && f !== "expected.yaml")
      .sort();
    assert.ok(files.length >= 50, `only ${files.length} classes`);
    assert.deepEqual(files, expectations.map((e) => e.file).sort());
  });

  for (const e of expectations) {
    it(`${e.file}: ${e.ours}${e.path ? ` at ${e.path}` : ""}`, () => {
      if (e.go !== e.ours) assert.ok(e.divergence, "an outcome that differs from the Go provider must say why");
      const text = readFileSync(join(DIR, e.file), "utf8");
      assert.match(text, /^# source: \S/, "every class names its source");
      const r = parseMachineClass(text);
      const messages = r.ok ? [] : r.errors.map((x) => x.message);
      assert.equal(r.ok ? "valid" : "invalid", e.ours, messages.join("\n"));
      if (!r.ok && e.path) {
        const want = /^(spec|metadata)\./.test(e.path) ? e.path : `spec.autoprovision.providerdata.${e.path}`;
        assert.ok(
          r.errors.some((x) => x.path === want),
          `expected an error at ${want}, got: ${messages.join(" | ")}`,
        );
        for (const m of messages) assert.doesNotMatch(m, /mismatched input|<EOF>/);
      }
    });
  }
});
