import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff, DEFAULT_WATCH_RETRY, sleep } from "./retry.ts";

describe("Backoff", () => {
  it("grows ×1.5 from 0.5 s up to 60 s, with ±50 % jitter", () => {
    const mid = new Backoff(DEFAULT_WATCH_RETRY, () => 0.5);
    const delays = Array.from({ length: 14 }, () => mid.next());
    assert.deepEqual(delays.slice(0, 3), [500, 750, 1125]);
    assert.equal(delays.at(-1), 60_000);
    assert.equal(new Backoff(DEFAULT_WATCH_RETRY, () => 0).next(), 250);
    assert.equal(new Backoff(DEFAULT_WATCH_RETRY, () => 1).next(), 750);
  });

  it("starts over after reset()", () => {
    const b = new Backoff(DEFAULT_WATCH_RETRY, () => 0.5);
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 500);
  });
});

describe("sleep", () => {
  it("rejects with the abort reason", async () => {
    const ctrl = new AbortController();
    const pending = sleep(60_000, ctrl.signal);
    ctrl.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
    await assert.rejects(sleep(1, ctrl.signal), /stop/);
  });
});
