import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Resource } from "../omni/resource.ts";
import type { WatchEvent } from "../omni/state.ts";
import { coalesced, mapPatchEvent, mapRegistrationEvent, mapSameIdWhenReleased } from "./watch.ts";

function event(
  type: WatchEvent<unknown>["type"],
  id: string,
  meta: { phase?: "running" | "tearingDown"; finalizers?: string[]; labels?: Record<string, string> } = {},
): WatchEvent<unknown> {
  const resource: Resource<unknown> = {
    metadata: {
      namespace: "infra-provider",
      type: "T",
      id,
      version: "1",
      owner: "",
      phase: meta.phase ?? "running",
      finalizers: meta.finalizers ?? [],
      labels: meta.labels ?? {},
      annotations: {},
    },
    spec: {},
  };
  return { type, resource };
}

describe("event → request mapping (§6.1)", () => {
  it("maps status/state events only when released", () => {
    assert.deepEqual(mapSameIdWhenReleased(event("updated", "r1")), []);
    assert.deepEqual(mapSameIdWhenReleased(event("updated", "r1", { phase: "tearingDown", finalizers: ["x"] })), []);
    assert.deepEqual(mapSameIdWhenReleased(event("updated", "r1", { phase: "tearingDown" })), ["r1"]);
    assert.deepEqual(mapSameIdWhenReleased(event("destroyed", "r1")), ["r1"]);
  });

  it("maps patches by label when released and registrations by label always", () => {
    const labels = { "omni.sidero.dev/machine-request": "r2" };
    assert.deepEqual(mapPatchEvent(event("created", "p", { labels })), []);
    assert.deepEqual(mapPatchEvent(event("destroyed", "p", { labels })), ["r2"]);
    assert.deepEqual(mapRegistrationEvent(event("created", "uuid", { labels })), ["r2"]);
    assert.deepEqual(mapRegistrationEvent(event("created", "uuid")), []);
    assert.deepEqual(mapRegistrationEvent({ type: "noop" }), []);
  });
});

describe("coalesced", () => {
  it("runs once more at most while a run is in progress", async () => {
    let runs = 0;
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const run = coalesced(async () => {
      runs++;
      if (runs === 1) await gate;
    });
    const first = run();
    const second = run();
    const third = run();
    assert.equal(second, third, "calls during a run share the follow-up");
    release();
    await Promise.all([first, second, third]);
    assert.equal(runs, 2);
  });
});
