/** Exponential backoff settings for re-opening dropped watch streams (defaults mirror the Go COSI client). */
export interface WatchRetryPolicy {
  initialMs: number;
  multiplier: number;
  /** Relative jitter: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  maxIntervalMs: number;
  /** Give up once failures have lasted this long without a successful receive. */
  maxElapsedMs: number;
}

export const DEFAULT_WATCH_RETRY: WatchRetryPolicy = {
  initialMs: 500,
  multiplier: 1.5,
  jitter: 0.5,
  maxIntervalMs: 60_000,
  maxElapsedMs: 15 * 60_000,
};

/** Stateful backoff: next() yields the delay before the next attempt; reset() after a success. */
export class Backoff {
  readonly #policy: WatchRetryPolicy;
  readonly #random: () => number;
  #interval: number;

  constructor(policy: WatchRetryPolicy, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
    this.#interval = policy.initialMs;
  }

  next(): number {
    const { jitter, multiplier, maxIntervalMs } = this.#policy;
    const delay = this.#interval * (1 - jitter + 2 * jitter * this.#random());
    this.#interval = Math.min(this.#interval * multiplier, maxIntervalMs);
    return delay;
  }

  reset(): void {
    this.#interval = this.#policy.initialMs;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
