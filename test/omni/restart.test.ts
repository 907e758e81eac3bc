/** An idle client (a standby replica) survives Omni restarts: no uncaught error, the next call reconnects. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MachineRequestStatuses } from "../../src/omni/index.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("idle connection across Omni restarts", () => {
  let h: Harness;
  const uncaught: Error[] = [];
  const onUncaught = (e: Error) => uncaught.push(e);
  before(async () => {
    process.on("uncaughtException", onUncaught);
    h = await startHarness({ tls: false });
  });
  after(async () => {
    process.off("uncaughtException", onUncaught);
    await h.close();
  });

  it("reconnects on the next call after a restart while idle", async () => {
    assert.deepEqual(await h.state.list(MachineRequestStatuses), []);
    await h.omni.restart(); // the idle HTTP/2 session receives GOAWAY and is torn down
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await h.state.list(MachineRequestStatuses), []);
    assert.deepEqual(uncaught, []);
  });

  it("keeps polling through repeated restarts, as a standby replica does", async () => {
    const { state } = h.connect();
    let stop = false;
    const poll = (async () => {
      while (!stop) {
        try {
          await state.list(MachineRequestStatuses);
        } catch {
          // a call cut by the restart fails with a typed error; the poller just tries again
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let i = 0; i < 5; i++) await h.omni.restart();
    } finally {
      stop = true;
      await poll;
    }
    assert.deepEqual(await state.list(MachineRequestStatuses), [], "the poller's next call succeeds");
    assert.deepEqual(uncaught, []);
  });
});
