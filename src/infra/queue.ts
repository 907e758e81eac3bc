/**
 * A keyed work queue for reconciles: each key (MachineRequest ID) is queued at most once, never handled
 * by two workers at the same time, and retried with per-key exponential backoff when the handler throws.
 * A key added while it is being handled is handled again afterwards, so no event is lost.
 */
import { type BackoffPolicy, DEFAULT_BACKOFF, KeyedBackoff } from "./backoff.ts";

/** What a handler asks for: nothing (done) or another run after `requeueAfterMs`. */
export type HandlerResult = { requeueAfterMs?: number } | undefined;

export type QueueHandler = (key: string, signal: AbortSignal) => Promise<HandlerResult>;

export interface WorkQueueOptions {
  /** Keys handled at once (default 8). */
  concurrency?: number;
  /** Backoff after a thrown error (default 0.5 s ×1.5, max 60 s, ±50 % jitter). */
  backoff?: BackoffPolicy;
  random?: () => number;
  /** Called after every change of the number of waiting + running keys. */
  onDepth?: (depth: number) => void;
  /** Called when a handler throws, with the delay before the key's next run. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
}

/**
 * @example
 * const queue = new WorkQueue(async (id, signal) => { await reconcile(id, signal); return undefined; });
 * queue.start();
 * queue.add("cls-workers-x7k2q");
 * await queue.stop(); // aborts handlers' signal and waits for them to return
 */
export class WorkQueue {
  readonly #handler: QueueHandler;
  readonly #concurrency: number;
  readonly #backoff: KeyedBackoff;
  readonly #onDepth: ((depth: number) => void) | undefined;
  readonly #onError: ((key: string, error: unknown, retryInMs: number) => void) | undefined;

  /** Keys ready to run, in arrival order. */
  readonly #ready: string[] = [];
  readonly #readySet = new Set<string>();
  readonly #running = new Map<string, Promise<void>>();
  /** Keys added while running: run again once the current run ends. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  #abort = new AbortController();
  #started = false;
  #lastDepth = -1;

  constructor(handler: QueueHandler, options: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#backoff = new KeyedBackoff(options.backoff ?? DEFAULT_BACKOFF, options.random ?? Math.random);
    this.#onDepth = options.onDepth;
    this.#onError = options.onError;
  }

  /** Begins handling keys (keys added before start wait until then). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#abort = new AbortController();
    this.#pump();
  }

  /** Queues `key` now. A pending delayed run of it is superseded. */
  add(key: string): void {
    const delayed = this.#delayed.get(key);
    if (delayed) {
      clearTimeout(delayed.timer);
      this.#delayed.delete(key);
    }
    this.#enqueue(key);
  }

  /** Queues `key` after `delayMs`, unless it is queued sooner for another reason. */
  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.#readySet.has(key)) return;
    const at = Date.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.#enqueue(key);
    }, delayMs);
    timer.unref();
    this.#delayed.set(key, { at, timer });
    this.#reportDepth();
  }

  /** Waiting (ready or delayed) plus running keys. */
  depth(): number {
    const waiting = new Set([...this.#readySet, ...this.#delayed.keys(), ...this.#running.keys()]);
    return waiting.size;
  }

  isRunning(key: string): boolean {
    return this.#running.has(key);
  }

  /**
   * Stops handing out keys, aborts running handlers' signal, waits for them to return, and forgets every
   * waiting key (a restart re-lists everything, so nothing is lost).
   */
  async stop(): Promise<void> {
    this.#started = false;
    this.#abort.abort();
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#ready.length = 0;
    this.#readySet.clear();
    this.#dirty.clear();
    await Promise.allSettled([...this.#running.values()]);
    this.#reportDepth();
  }

  /** Resolves once nothing is ready or running (delayed keys may remain). For tests and graceful drains. */
  async idle(): Promise<void> {
    while (this.#ready.length > 0 || this.#running.size > 0) {
      await Promise.race([...this.#running.values(), new Promise((r) => setTimeout(r, 5))]);
    }
  }

  #enqueue(key: string): void {
    if (this.#running.has(key)) {
      this.#dirty.add(key);
    } else if (!this.#readySet.has(key)) {
      this.#readySet.add(key);
      this.#ready.push(key);
    }
    this.#reportDepth();
    this.#pump();
  }

  #pump(): void {
    while (this.#started && this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      this.#readySet.delete(key);
      this.#running.set(key, this.#run(key, this.#abort.signal));
    }
  }

  async #run(key: string, signal: AbortSignal): Promise<void> {
    let requeueAfter: number | undefined;
    try {
      const result = await this.#handler(key, signal);
      this.#backoff.reset(key);
      requeueAfter = result?.requeueAfterMs;
    } catch (error) {
      if (!signal.aborted) {
        requeueAfter = this.#backoff.next(key);
        this.#onError?.(key, error, requeueAfter);
      }
    } finally {
      this.#running.delete(key);
    }
    if (this.#started && !signal.aborted) {
      if (this.#dirty.delete(key)) this.#enqueue(key);
      else if (requeueAfter !== undefined) this.addAfter(key, requeueAfter);
    }
    this.#reportDepth();
    this.#pump();
  }

  #reportDepth(): void {
    const depth = this.depth();
    if (depth !== this.#lastDepth) {
      this.#lastDepth = depth;
      this.#onDepth?.(depth);
    }
  }
}
