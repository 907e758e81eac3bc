import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TaskFailure } from "./errors.ts";
import { TaskManager } from "./tasks.ts";

const now = () => 0x6740f00d;

describe("TaskManager", () => {
  it("issues UPIDs in PVE's format and ends with TASK OK", async () => {
    const tm = new TaskManager(2, now);
    const t = tm.start({
      node: "pve1",
      type: "qmcreate",
      id: "101",
      user: "omni@pve!provider",
      durationMs: 0,
      body: (c) => c.log("hi"),
    });
    assert.match(t.upid, /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:6740F00D:qmcreate:101:omni@pve!provider:$/);
    assert.equal(t.upid.split(":").length, 9);
    assert.equal(t.status, "running");
    const done = await tm.waitFor(t.upid);
    assert.equal(done?.status, "stopped");
    assert.equal(done?.exitstatus, "OK");
    assert.deepEqual(done?.log, ["hi", "TASK OK"]);
    tm.close();
  });

  it("turns errors into exitstatus with newlines flattened, and runs onFailure", async () => {
    const tm = new TaskManager(2, now);
    let cleaned = "";
    const t = tm.start({
      node: "pve1",
      type: "qmstart",
      id: "101",
      user: "root@pam",
      durationMs: 0,
      body: () => {
        throw new TaskFailure("VM 101 already\nrunning");
      },
      onFailure: (m) => {
        cleaned = m;
      },
    });
    const done = await tm.waitFor(t.upid);
    assert.equal(done?.exitstatus, "VM 101 already running");
    assert.equal(done?.log.at(-1), "TASK ERROR: VM 101 already running");
    assert.equal(cleaned, "VM 101 already running");
    tm.close();
  });

  it("forced failures skip the body", async () => {
    const tm = new TaskManager(1, now);
    let ran = false;
    const t = tm.start({
      node: "n",
      type: "x",
      id: "",
      user: "u@pve",
      durationMs: 0,
      forcedFailure: "boom",
      body: () => {
        ran = true;
      },
    });
    assert.equal((await tm.waitFor(t.upid))?.exitstatus, "boom");
    assert.equal(ran, false);
    tm.close();
  });

  it("limits concurrent workers per node and queues the rest", async () => {
    const tm = new TaskManager(1, now);
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = tm.start({
      node: "n",
      type: "a",
      id: "",
      user: "u@pve",
      durationMs: 0,
      body: async () => {
        order.push("a-start");
        await gate;
        order.push("a-end");
      },
    });
    const b = tm.start({
      node: "n",
      type: "b",
      id: "",
      user: "u@pve",
      durationMs: 0,
      body: () => {
        order.push("b");
      },
    });
    const other = tm.start({
      node: "m",
      type: "c",
      id: "",
      user: "u@pve",
      durationMs: 0,
      body: () => {
        order.push("other-node");
      },
    });
    await tm.waitFor(other.upid);
    assert.equal(tm.activeWorkers("n"), 1);
    assert.equal(b.status, "running");
    release();
    await tm.waitFor(b.upid);
    assert.deepEqual(
      order.filter((x) => x !== "other-node"),
      ["a-start", "a-end", "b"],
    );
    assert.equal(a.exitstatus, "OK");
    tm.close();
  });

  it("stop() interrupts a running task", async () => {
    const tm = new TaskManager(1, now);
    const t = tm.start({ node: "n", type: "download", id: "x", user: "u@pve", durationMs: 60_000, body: () => {} });
    tm.stop(t.upid);
    assert.equal((await tm.waitFor(t.upid))?.exitstatus, "received interrupt");
    tm.close();
  });
});
