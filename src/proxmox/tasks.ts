/**
 * Waiting for Proxmox tasks (UPIDs): polls `/nodes/{node}/tasks/{upid}/status` with backoff until the
 * task stops or a deadline passes; a failed task becomes `task_failed` carrying its exit status and the
 * last lines of its log.
 */
import { classifyMessage, ProxmoxError } from "./errors.ts";
import type { HttpMethod, Params } from "./transport.ts";
import { parseUpid } from "./upid.ts";

export interface TaskStatus {
  upid: string;
  node: string;
  status: "running" | "stopped";
  /** Present once stopped: `OK`, `WARNINGS: n`, or the error text. */
  exitstatus?: string;
  type: string;
  id?: string;
  /** The user part of who started it; `tokenid` holds the token name when a token did. */
  user: string;
  tokenid?: string;
  starttime: number;
  pid: number;
}

export interface TaskLogLine {
  n: number;
  t: string;
}

export interface WaitOptions {
  /** Give up after this long (default 10 min); the task keeps running on the server. */
  timeoutMs?: number;
  /** First poll interval (default 250 ms), doubling up to `maxPollMs` (default 5 s). */
  pollMs?: number;
  maxPollMs?: number;
  /** Log lines kept on failure (default 20). */
  logLines?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** What the waiter needs from the client. */
export interface TaskApi {
  call<T>(method: HttpMethod, path: string, params?: Params): Promise<T>;
}

/** True when a stopped task's exit status means success (`OK`, or `WARNINGS: n` as the GUI counts it). */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || (exitstatus?.startsWith("WARNINGS:") ?? false);
}

export function taskPath(upid: string): string {
  const { node } = parseUpid(upid);
  return `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;
}

/**
 * Resolves with the final status of a successful task; rejects with `task_failed` (exit status and log
 * tail attached) or `timeout`. Status is read from the node named in the UPID.
 *
 * @example
 * const upid = await client.startVm("pve1", 101);
 * await waitForTask(client, upid, { timeoutMs: 120_000 });
 */
export async function waitForTask(api: TaskApi, upid: string, options: WaitOptions = {}): Promise<TaskStatus> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + (options.timeoutMs ?? 600_000);
  const maxPoll = options.maxPollMs ?? 5_000;
  let poll = options.pollMs ?? 250;
  const path = taskPath(upid);
  for (;;) {
    const status = await api.call<TaskStatus>("GET", `${path}/status`);
    if (status.status === "stopped") {
      if (isTaskSuccess(status.exitstatus)) return status;
      throw await taskFailure(api, upid, path, status.exitstatus ?? "unexpected status", options.logLines ?? 20);
    }
    const left = deadline - now();
    if (left <= 0) {
      const { type, id } = parseUpid(upid);
      throw new ProxmoxError(
        "timeout",
        `task ${type}${id ? ` ${id}` : ""} (${upid}) still running after ${options.timeoutMs ?? 600_000} ms; it continues on the server`,
        { upid },
      );
    }
    await sleep(Math.min(poll, left));
    poll = Math.min(maxPoll, poll * 2);
  }
}

/** Lines per task-log page, and the most pages read: long logs (download progress) end with the error. */
const LOG_PAGE = 500;
const MAX_LOG_PAGES = 40;

/** The last `keep` lines of a task log, paging from the start (the API has no "from the end"). */
async function readLogTail(api: TaskApi, path: string, keep: number): Promise<string[]> {
  let tail: string[] = [];
  for (let page = 0; page < MAX_LOG_PAGES; page++) {
    const lines =
      (await api.call<TaskLogLine[]>("GET", `${path}/log`, { start: page * LOG_PAGE, limit: LOG_PAGE })) ?? [];
    tail = tail.concat(lines.map((l) => l.t)).slice(-keep);
    if (lines.length < LOG_PAGE) break;
  }
  return tail;
}

async function taskFailure(
  api: TaskApi,
  upid: string,
  path: string,
  exitStatus: string,
  keep: number,
): Promise<ProxmoxError> {
  let tail: string[] = [];
  try {
    tail = await readLogTail(api, path, keep);
  } catch {
    // The exit status alone still explains the failure.
  }
  const { type, id } = parseUpid(upid);
  const cause = classifyMessage(exitStatus);
  return new ProxmoxError("task_failed", `task ${type}${id ? ` ${id}` : ""} failed: ${exitStatus}`, {
    upid,
    exitStatus,
    logTail: tail,
    ...(cause === "unknown" ? {} : { reason: cause }),
  });
}
