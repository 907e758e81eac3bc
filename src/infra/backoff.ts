/**
 * Exponential backoff with jitter, the policy of the Go provider library and the COSI watch client:
 * 0.5 s initial, ×1.5 per failure, capped at 60 s, ±50 % jitter.
 */
export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Fraction of the delay randomised either way (0.5 = ±50 %). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, factor: 1.5, maxMs: 60_000, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (1 = first retry).
 *
 * @example
 * backoffDelay(DEFAULT_BACKOFF, 1, () => 0.5); // 500
 * backoffDelay(DEFAULT_BACKOFF, 30, () => 0.5); // 60000 (capped)
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, base + spread)));
}

/** Per-key failure counters driving {@link backoffDelay}; success resets a key. */
export class KeyedBackoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  readonly #failures = new Map<string, number>();

  constructor(policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Records one more failure of `key` and returns how long to wait before the next attempt. */
  next(key: string): number {
    const attempt = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, attempt);
    return backoffDelay(this.#policy, attempt, this.#random);
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}
