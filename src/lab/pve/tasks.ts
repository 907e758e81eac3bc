import { TaskFailure } from "./errors.ts";

/** One worker task as /nodes/{node}/tasks reports it. */
export interface PveTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

/** What a worker body can do: log lines and see whether it was asked to stop. */
export interface TaskContext {
  log(line: string): void;
  readonly aborted: boolean;
  /** Aborted when the task is stopped or the simulator closes (pass it to fetches and the like). */
  readonly signal: AbortSignal;
}

export interface StartTaskOptions {
  node: string;
  type: string;
  id: string;
  user: string;
  /** Simulated duration before the body's effects land (already scaled by the time factor). */
  durationMs: number;
  /** The work; throw {@link TaskFailure} (or any Error) to fail the task with that message. */
  body: (ctx: TaskContext) => Promise<void> | void;
  /** Forced failure (fault injection): the task fails with this text instead of running the body. */
  forcedFailure?: string;
  /** Runs when the task fails for any reason (body error, forced failure, interrupt), e.g. to unlock. */
  onFailure?: (message: string) => void;
}

interface Pending {
  task: PveTask;
  opts: StartTaskOptions;
  abort: { aborted: boolean; wake?: () => void; controller: AbortController };
}

/**
 * Runs worker tasks with PVE's UPID format and a per-node limit of concurrent workers: tasks beyond the
 * limit wait (still `running`, as a blocked pvedaemon request would look) until a slot frees.
 */
export class TaskManager {
  readonly tasks = new Map<string, PveTask>();
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Pending[]>();
  private readonly aborts = new Map<string, Pending["abort"]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly settled = new Map<string, Promise<void>>();
  private readonly resolvers = new Map<string, () => void>();
  private nextPid = 0x1000;
  maxWorkersPerNode: number;
  private readonly nowSec: () => number;
  private closed = false;

  constructor(maxWorkersPerNode: number, nowSec: () => number) {
    this.maxWorkersPerNode = maxWorkersPerNode;
    this.nowSec = nowSec;
  }

  /** Creates the task (visible immediately as running) and schedules it; returns the UPID. */
  start(opts: StartTaskOptions): PveTask {
    const pid = this.nextPid++;
    const starttime = this.nowSec();
    const pstart = 0x1000000 + pid;
    const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, "0");
    const upid = `UPID:${opts.node}:${hex(pid, 8)}:${hex(pstart, 8)}:${hex(starttime, 8)}:${opts.type}:${opts.id}:${opts.user}:`;
    const task: PveTask = {
      upid,
      node: opts.node,
      pid,
      pstart,
      starttime,
      type: opts.type,
      id: opts.id,
      user: opts.user,
      status: "running",
      log: [],
    };
    this.tasks.set(upid, task);
    const abort: Pending["abort"] = { aborted: false, controller: new AbortController() };
    this.aborts.set(upid, abort);
    this.settled.set(
      upid,
      new Promise<void>((resolve) => {
        this.resolvers.set(upid, resolve);
      }),
    );
    const queue = this.queues.get(opts.node) ?? [];
    queue.push({ task, opts, abort });
    this.queues.set(opts.node, queue);
    this.pump(opts.node);
    return task;
  }

  /** Resolves when the task has stopped (for tests and admin waits). */
  async waitFor(upid: string): Promise<PveTask | undefined> {
    await this.settled.get(upid);
    return this.tasks.get(upid);
  }

  /** DELETE /tasks/{upid}: interrupt a running task. */
  stop(upid: string): void {
    const abort = this.aborts.get(upid);
    if (!abort) return;
    abort.aborted = true;
    abort.wake?.();
    abort.controller.abort();
  }

  /** Number of workers currently holding a slot on `node`. */
  activeWorkers(node: string): number {
    return this.running.get(node) ?? 0;
  }

  /** Called whenever a task stops (persistence hooks in here). */
  onSettled: (task: PveTask) => void = () => {};

  /** Never reuse pids of restored tasks: UPIDs must stay unique across restarts. */
  reservePids(pids: readonly number[]): void {
    for (const pid of pids) if (pid >= this.nextPid) this.nextPid = pid + 1;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const abort of this.aborts.values()) {
      abort.aborted = true;
      abort.wake?.();
      abort.controller.abort();
    }
  }

  private pump(node: string): void {
    const queue = this.queues.get(node) ?? [];
    while (queue.length > 0 && (this.running.get(node) ?? 0) < this.maxWorkersPerNode) {
      const next = queue.shift() as Pending;
      this.running.set(node, (this.running.get(node) ?? 0) + 1);
      void this.run(next).finally(() => {
        this.running.set(node, (this.running.get(node) ?? 1) - 1);
        this.pump(node);
      });
    }
  }

  private async run(p: Pending): Promise<void> {
    const { task, opts, abort } = p;
    const ctx: TaskContext = {
      log: (line) => {
        task.log.push(line);
      },
      get aborted() {
        return abort.aborted;
      },
      signal: abort.controller.signal,
    };
    let error: string | undefined;
    try {
      await this.sleep(opts.durationMs, abort);
      if (abort.aborted) throw new TaskFailure(this.closed ? "simulator shut down" : "received interrupt");
      if (opts.forcedFailure) throw new TaskFailure(opts.forcedFailure);
      await opts.body(ctx);
      if (abort.aborted) throw new TaskFailure(this.closed ? "simulator shut down" : "received interrupt");
    } catch (err) {
      error = (err as Error).message.replace(/\s*\n\s*/g, " ").trim();
      try {
        opts.onFailure?.(error);
      } catch {
        // Cleanup problems must not hide the task's own error.
      }
    }
    task.status = "stopped";
    task.endtime = this.nowSec();
    if (error === undefined) {
      task.log.push("TASK OK");
      task.exitstatus = "OK";
    } else {
      task.log.push(`TASK ERROR: ${error}`);
      task.exitstatus = error;
    }
    this.aborts.delete(task.upid);
    if (!this.closed) this.onSettled(task);
    this.resolvers.get(task.upid)?.();
    this.resolvers.delete(task.upid);
  }

  private sleep(ms: number, abort: Pending["abort"]): Promise<void> {
    if (abort.aborted) return Promise.resolve();
    if (ms <= 0) return new Promise((r) => setImmediate(r));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
      abort.wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve();
      };
    });
  }
}
