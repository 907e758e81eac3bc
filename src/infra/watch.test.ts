import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../observability/logger.ts";
import type { Resource } from "../omni/resource.ts";
import { MachineRequests } from "../omni/resources.ts";
import type { WatchEvent } from "../omni/state.ts";
import { coalesced, mapPatchEvent, mapRegistrationEvent, mapSameIdWhenReleased, runWatchFeed } from "./watch.ts";

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

describe("runWatchFeed", () => {
  it("resyncs after every re-opened watch, so events missed while it was down are picked up", async () => {
    const abort = new AbortController();
    let opened = 0;
    // Each stream is established (NOOP with the bootstrap bookmark); the first two then drop beyond resuming.
    const state = {
      async *watch() {
        opened++;
        yield { type: "noop" };
        if (opened < 3) throw new Error("stream dropped and its bookmark is gone");
        if (!abort.signal.aborted) {
          await new Promise((resolve) => abort.signal.addEventListener("abort", resolve, { once: true }));
        }
      },
    };
    const resyncedWithOpen: number[] = [];
    const guard = setTimeout(() => abort.abort(), 3_000);
    await runWatchFeed(
      {
        state: state as never,
        kinds: [{ rt: MachineRequests as never, map: () => [] }],
        enqueue: () => {},
        resync: async () => {
          resyncedWithOpen.push(opened);
          if (opened === 3) abort.abort();
        },
        resyncIntervalMs: 3_600_000, // the periodic resync must not be what closes the gap
        logger: silentLogger(),
        backoff: { initialMs: 1, factor: 1, maxMs: 1, jitter: 0 },
      },
      abort.signal,
    );
    clearTimeout(guard);
    assert.ok(resyncedWithOpen.includes(3), `resyncs ran with ${resyncedWithOpen.join(",")} streams opened`);
  });
});
