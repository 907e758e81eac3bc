import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextTryText } from "./provision.ts";
import { createInfraRuntime } from "./runtime.ts";
import { ALL_STEPS_DONE, done, fail, goQuote, resumeIndex, retryAfter, runningStepText } from "./steps.ts";

describe("step results", () => {
  it("builds the three outcomes", () => {
    assert.deepEqual(done(), { kind: "done" });
    assert.deepEqual(retryAfter(500), { kind: "retry", afterMs: 500 });
    assert.deepEqual(retryAfter(500, "booting"), { kind: "retry", afterMs: 500, reason: "booting" });
    const failed = fail("no space");
    assert.equal(failed.kind, "fail");
    assert.equal(failed.kind === "fail" && failed.error.message, "no space");
  });
});

describe("status texts", () => {
  it("quotes step names like Go's %q", () => {
    assert.equal(runningStepText("create-vm", 2, 5), 'Running Step: "create-vm" (2/5)');
    assert.equal(goQuote('a "b"\n'), '"a \\"b\\"\\n"');
  });

  it("says when the next try is", () => {
    const now = Date.parse("2026-01-02T03:04:05.000Z");
    assert.equal(nextTryText(2_500, now), "next try in 2.5s (at 03:04:07Z)");
    assert.equal(nextTryText(90_000, now), "next try in 1.5m (at 03:05:35Z)");
  });
});

describe("resumeIndex", () => {
  const steps = [{ name: "a" }, { name: "b" }, { name: "c" }];
  it("resumes at the named step", () => {
    assert.equal(resumeIndex(steps, "b"), 1);
  });
  it("starts at the first step without or with an unknown annotation", () => {
    assert.equal(resumeIndex(steps, undefined), 0);
    assert.equal(resumeIndex(steps, ""), 0);
    assert.equal(resumeIndex(steps, "removed"), 0);
  });
  it("runs no step once every step is recorded as done", () => {
    assert.equal(resumeIndex(steps, ALL_STEPS_DONE), steps.length);
  });
});

describe("step names", () => {
  it("reserve the annotation that records every step as done", () => {
    const provider = { steps: [{ name: ALL_STEPS_DONE, run: async () => done() }] };
    assert.throws(
      () => createInfraRuntime({ state: {} as never, providerId: "p", provider: provider as never }),
      (err: Error & { code?: string }) => err.code === "invalid_provider",
    );
  });
});
