import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LEASE_TIMING, LeaderElector, type LeaseRecord, type LeaseStore, scaledLeaseTiming } from "./lease.ts";

/** An in-memory CAS record, standing in for the Omni resource in these unit tests. */
class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  failing = false;
  #version = 0;

  async get(): Promise<LeaseRecord | undefined> {
    if (this.failing) throw new Error("unavailable");
    return this.record && { ...this.record };
  }

  async create(record: Omit<LeaseRecord, "version">): Promise<LeaseRecord> {
    if (this.failing) throw new Error("unavailable");
    if (this.record) throw new Error("already exists");
    this.record = { ...record, version: String(++this.#version) };
    return { ...this.record };
  }

  async update(expected: string, record: Omit<LeaseRecord, "version">): Promise<LeaseRecord> {
    if (this.failing) throw new Error("unavailable");
    if (this.record?.version !== expected) throw new Error("conflict");
    this.record = { ...record, version: String(++this.#version) };
    return { ...this.record };
  }
}

const TIMING = scaledLeaseTiming(0.02); // lease 300 ms, renew 100 ms, deadline 200 ms

function elector(store: LeaseStore, id: string, log: string[]): LeaderElector {
  return new LeaderElector({
    store,
    holderId: id,
    timing: TIMING,
    onStartedLeading: () => {
      log.push(`${id}+`);
    },
    onStoppedLeading: () => {
      log.push(`${id}-`);
    },
  });
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe("LeaderElector", () => {
  it("rejects unsafe timing", () => {
    assert.throws(
      () =>
        new LeaderElector({
          store: new MemoryLeaseStore(),
          holderId: "a",
          timing: { leaseMs: 10, renewMs: 5, renewDeadlineMs: 10 },
          onStartedLeading: () => {},
          onStoppedLeading: () => {},
        }),
      RangeError,
    );
  });

  it("elects exactly one of two and hands over when the leader dies", async () => {
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, "a", log);
    const b = elector(store, "b", log);
    a.start();
    await until(() => a.isLeader);
    b.start();
    await new Promise((r) => setTimeout(r, TIMING.leaseMs * 2));
    assert.equal(b.isLeader, false, "b must wait while a renews");
    // a "dies": no release, no more renewals.
    await a.stop({ release: false });
    const handover = await until(() => b.isLeader);
    assert.ok(handover <= TIMING.leaseMs + 2 * TIMING.renewMs, `handover took ${handover} ms`);
    assert.deepEqual(log, ["a+", "a-", "b+"]);
    await b.stop();
    assert.equal(store.record?.holder, "", "a clean stop releases the lease");
  });

  it("hands over immediately after a release", async () => {
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, "a", log);
    const b = elector(store, "b", log);
    a.start();
    await until(() => a.isLeader);
    b.start();
    await a.stop();
    const handover = await until(() => b.isLeader);
    assert.ok(handover <= 2 * TIMING.renewMs, `handover took ${handover} ms`);
    await b.stop();
  });

  it("dates the holder's renewals from when a slow read returns, so a candidate never takes over early", async () => {
    const timing = { leaseMs: 600, renewMs: 40, renewDeadlineMs: 400 };
    const readDelayMs = 500;
    const store = new MemoryLeaseStore();
    let holderCut = false;
    let slowReads = 1;
    const holderStore: LeaseStore = {
      get: () => (holderCut ? Promise.reject(new Error("unavailable")) : store.get()),
      create: (r) => (holderCut ? Promise.reject(new Error("unavailable")) : store.create(r)),
      update: (v, r) => (holderCut ? Promise.reject(new Error("unavailable")) : store.update(v, r)),
    };
    // The candidate's first read is answered late: it sees a version the holder wrote while the read was in flight.
    const candidateStore: LeaseStore = {
      get: async () => {
        if (slowReads-- > 0) {
          await new Promise((r) => setTimeout(r, readDelayMs));
          const seen = await store.get();
          holderCut = true; // the holder dies right after its latest renew was read
          return seen;
        }
        return store.get();
      },
      create: (r) => store.create(r),
      update: (v, r) => store.update(v, r),
    };
    const log: string[] = [];
    const make = (s: LeaseStore, id: string) =>
      new LeaderElector({
        store: s,
        holderId: id,
        timing,
        onStartedLeading: () => {
          log.push(`${id}+`);
        },
        onStoppedLeading: () => {
          log.push(`${id}-`);
        },
      });
    const a = make(holderStore, "a");
    const b = make(candidateStore, "b");
    a.start();
    await until(() => a.isLeader);
    b.start();
    await until(() => b.isLeader, 5000);
    assert.deepEqual(log, ["a+", "a-", "b+"], "the holder stops before the candidate starts");
    await a.stop({ release: false });
    await b.stop();
  });

  it("stops leading at the renew deadline, before the lease expires for others", async () => {
    const store = new MemoryLeaseStore();
    const log: string[] = [];
    const a = elector(store, "a", log);
    a.start();
    await until(() => a.isLeader);
    const cutAt = Date.now();
    store.failing = true;
    await until(() => !a.isLeader);
    assert.ok(Date.now() - cutAt < TIMING.leaseMs, "must stop before another replica may take over");
    store.failing = false;
    await until(() => a.isLeader);
    await a.stop();
    assert.deepEqual(log, ["a+", "a-", "a+", "a-"]);
  });
});

it("default timing: a dead leader is replaced within 15 s, renewing at least every 5 s", () => {
  assert.ok(DEFAULT_LEASE_TIMING.leaseMs + DEFAULT_LEASE_TIMING.renewMs <= 15_000);
  assert.ok(DEFAULT_LEASE_TIMING.renewMs <= 5_000);
  assert.ok(DEFAULT_LEASE_TIMING.leaseMs - DEFAULT_LEASE_TIMING.renewDeadlineMs >= 5_000, "safety margin");
});
