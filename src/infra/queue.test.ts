import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import { WorkQueue } from "./queue.ts";

const FAST = { initialMs: 5, factor: 1.5, maxMs: 40, jitter: 0.5 };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("backoffDelay", () => {
  it("grows by 1.5 from 0.5 s and caps at 60 s", () => {
    const mid = () => 0.5;
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 1, mid), 500);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 2, mid), 750);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 3, mid), 1125);
    assert.equal(backoffDelay(DEFAULT_BACKOFF, 40, mid), 60_000);
  });

  it("jitters ±50 %", () => {
    assert.equal(
      backoffDelay(DEFAULT_BACKOFF, 1, () => 0),
      250,
    );
    assert.equal(
      backoffDelay(DEFAULT_BACKOFF, 1, () => 1),
      750,
    );
  });
});

describe("WorkQueue", () => {
  it("de-duplicates waiting keys", async () => {
    const seen: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue(
      async (key) => {
        if (key === "block") await gate.promise;
        seen.push(key);
        return undefined;
      },
      { concurrency: 1 },
    );
    queue.start();
    queue.add("block");
    queue.add("a");
    queue.add("a");
    queue.add("b");
    queue.add("a");
    assert.equal(queue.depth(), 3);
    gate.resolve();
    await queue.idle();
    assert.deepEqual(seen, ["block", "a", "b"]);
    await queue.stop();
  });

  it("never runs one key twice at once, but re-runs it when added meanwhile", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gate = deferred();
    const queue = new WorkQueue(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        if (runs === 1) await gate.promise;
        active--;
        return undefined;
      },
      { concurrency: 4 },
    );
    queue.start();
    queue.add("x");
    await new Promise((r) => setImmediate(r));
    queue.add("x");
    queue.add("x");
    gate.resolve();
    await queue.idle();
    assert.equal(maxActive, 1);
    assert.equal(runs, 2);
    await queue.stop();
  });

  it("bounds concurrency", async () => {
    let active = 0;
    let maxActive = 0;
    const queue = new WorkQueue(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        return undefined;
      },
      { concurrency: 3 },
    );
    queue.start();
    for (let i = 0; i < 20; i++) queue.add(`k${i}`);
    await queue.idle();
    assert.equal(maxActive, 3);
    await queue.stop();
  });

  it("retries thrown errors with growing delays and resets after success", async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const done = deferred();
    const queue = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error("boom");
        done.resolve();
        return undefined;
      },
      { backoff: FAST, random: () => 0.5, onError: (_k, _e, delay) => errors.push(delay) },
    );
    queue.start();
    queue.add("k");
    await done.promise;
    assert.deepEqual(errors, [5, 8, 11]);
    await queue.stop();
  });

  it("honours requeueAfter and lets an earlier add win", async () => {
    let runs = 0;
    const second = deferred();
    const queue = new WorkQueue(async () => {
      runs++;
      if (runs === 2) second.resolve();
      return runs === 1 ? { requeueAfterMs: 60_000 } : undefined;
    });
    queue.start();
    queue.add("k");
    await queue.idle();
    assert.equal(queue.depth(), 1, "the delayed key counts as waiting");
    queue.add("k");
    await second.promise;
    await queue.idle();
    assert.equal(queue.depth(), 0);
    await queue.stop();
  });

  it("aborts running handlers on stop and waits for them", async () => {
    let sawAbort = false;
    const started = deferred();
    const queue = new WorkQueue(async (_key, signal) => {
      started.resolve();
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      sawAbort = true;
      return undefined;
    });
    queue.start();
    queue.add("k");
    await started.promise;
    await queue.stop();
    assert.equal(sawAbort, true);
    assert.equal(queue.depth(), 0);
  });

  it("reports depth changes", async () => {
    const depths: number[] = [];
    const queue = new WorkQueue(async () => undefined, { onDepth: (d) => depths.push(d) });
    queue.add("a");
    queue.add("b");
    queue.start();
    await queue.idle();
    await queue.stop();
    assert.deepEqual(depths.slice(0, 2), [1, 2]);
    assert.equal(depths.at(-1), 0);
  });
});
