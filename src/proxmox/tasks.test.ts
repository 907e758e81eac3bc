import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isProxmoxError } from "./errors.ts";
import { isTaskSuccess, type TaskApi, type TaskStatus, taskPath, waitForTask } from "./tasks.ts";

const UPID = "UPID:golf:000A1B2C:0123ABCD:6740F00D:qmstart:101:omni@pve!provider:";

/** A scripted task API: status answers in order, then a fixed log. */
function scripted(statuses: Partial<TaskStatus>[], log: string[] = []): TaskApi & { paths: string[] } {
  const paths: string[] = [];
  let i = 0;
  return {
    paths,
    async call<T>(_method: string, path: string, params: Record<string, unknown> = {}): Promise<T> {
      paths.push(path);
      if (path.endsWith("/log")) {
        // Like Proxmox: `limit` lines (default 50) from line `start`.
        const start = Number(params.start ?? 0);
        const page = log.slice(start, start + Number(params.limit ?? 50));
        return page.map((t, n) => ({ n: start + n + 1, t })) as T;
      }
      const s = statuses[Math.min(i++, statuses.length - 1)];
      return { upid: UPID, node: "golf", type: "qmstart", user: "omni@pve", pid: 1, starttime: 1, ...s } as T;
    },
  };
}

describe("waitForTask", () => {
  it("polls the UPID's node with doubling intervals until stopped", async () => {
    const api = scripted([
      { status: "running" },
      { status: "running" },
      { status: "running" },
      { status: "stopped", exitstatus: "OK" },
    ]);
    const sleeps: number[] = [];
    const result = await waitForTask(api, UPID, {
      pollMs: 100,
      maxPollMs: 300,
      sleep: async (ms) => void sleeps.push(ms),
    });
    assert.equal(result.exitstatus, "OK");
    assert.deepEqual(sleeps, [100, 200, 300]);
    assert.ok(api.paths.every((p) => p.startsWith("/nodes/golf/tasks/UPID%3Agolf%3A")));
    assert.equal(taskPath(UPID), `/nodes/golf/tasks/${encodeURIComponent(UPID)}`);
  });

  it("counts WARNINGS as success", async () => {
    assert.equal(isTaskSuccess("WARNINGS: 2"), true);
    assert.equal(isTaskSuccess("OK"), true);
    assert.equal(isTaskSuccess("VM 101 already running"), false);
    assert.equal(isTaskSuccess(undefined), false);
    const r = await waitForTask(scripted([{ status: "stopped", exitstatus: "WARNINGS: 1" }]), UPID);
    assert.equal(r.exitstatus, "WARNINGS: 1");
  });

  it("rejects a failed task with its exit status, reason and the log tail", async () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).concat("TASK ERROR: VM 101 already running");
    const api = scripted([{ status: "stopped", exitstatus: "VM 101 already running" }], log);
    await assert.rejects(waitForTask(api, UPID, { logLines: 5 }), (e) => {
      assert.ok(isProxmoxError(e, "task_failed"));
      assert.equal(e.exitStatus, "VM 101 already running");
      assert.equal(e.reason, "conflict");
      assert.equal(e.upid, UPID);
      assert.deepEqual(e.logTail, ["line 27", "line 28", "line 29", "line 30", "TASK ERROR: VM 101 already running"]);
      return true;
    });
  });

  it("takes the log tail from the end of a log longer than one page", async () => {
    const log = Array.from({ length: 1234 }, (_, i) => `progress ${i + 1}%`).concat("TASK ERROR: checksum mismatch");
    const api = scripted([{ status: "stopped", exitstatus: "checksum mismatch" }], log);
    await assert.rejects(waitForTask(api, UPID, { logLines: 2 }), (e) => {
      assert.ok(isProxmoxError(e, "task_failed"));
      assert.deepEqual(e.logTail, ["progress 1234%", "TASK ERROR: checksum mismatch"]);
      return true;
    });
  });

  it("gives up at the deadline with timeout", async () => {
    let clock = 0;
    const api = scripted([{ status: "running" }]);
    await assert.rejects(
      waitForTask(api, UPID, {
        timeoutMs: 1_000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      }),
      (e) => isProxmoxError(e, "timeout") && e.upid === UPID,
    );
  });
});
