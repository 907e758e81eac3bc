/**
 * Leader election over a compare-and-swap record, so several replicas with the same provider ID can run
 * and exactly one reconciles (fixes omni#1141).
 *
 * Expiry is judged on the observer's own clock, not the holder's: a candidate remembers when it last saw
 * the record's version change and may take the lease only after `leaseMs` without a change. The holder
 * gives up at `renewDeadlineMs` (< `leaseMs`) after its last successful renew, measured from when that renew
 * was *sent*, while candidates date a version from when their read *returned*, so the holder has stopped
 * before anyone else can take over, whatever the clocks and call latencies say.
 */
import type { Logger } from "../observability/logger.ts";
import { silentLogger } from "../observability/logger.ts";

export interface LeaseRecord {
  /** Opaque CAS token (the resource version). */
  version: string;
  /** Replica holding the lease; "" when released. */
  holder: string;
  leaseMs: number;
  renewedAt: string;
}

/** Storage of the lease record. `create`/`update` must fail (throw) on a conflicting concurrent write. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  create(record: Omit<LeaseRecord, "version">): Promise<LeaseRecord>;
  update(expectedVersion: string, record: Omit<LeaseRecord, "version">): Promise<LeaseRecord>;
}

export interface LeaseTiming {
  /** How long a silent lease stays valid for other replicas (≤ 15 s). */
  leaseMs: number;
  /** How often the holder renews and candidates retry (≤ 5 s). */
  renewMs: number;
  /** The holder stops leading when it could not renew for this long (< leaseMs). */
  renewDeadlineMs: number;
}

/**
 * A standby polls every `renewMs` and takes over `leaseMs` after it last saw the record change, so a dead
 * leader is replaced within `leaseMs + renewMs` (14 s); the holder stops at `renewDeadlineMs`, leaving a
 * 5 s margin before anyone else may start.
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseMs: 11_000, renewMs: 3_000, renewDeadlineMs: 6_000 };

/** Scales the default timing (e.g. 0.1 for tests) keeping the ratios that make the handover safe. */
export function scaledLeaseTiming(factor: number): LeaseTiming {
  return {
    leaseMs: DEFAULT_LEASE_TIMING.leaseMs * factor,
    renewMs: DEFAULT_LEASE_TIMING.renewMs * factor,
    renewDeadlineMs: DEFAULT_LEASE_TIMING.renewDeadlineMs * factor,
  };
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  holderId: string;
  timing?: LeaseTiming;
  logger?: Logger;
  /** Called when this replica becomes leader. */
  onStartedLeading: () => void | Promise<void>;
  /** Called when leadership ends (lost or released); awaited before the lease can be released. */
  onStoppedLeading: () => void | Promise<void>;
}

/**
 * @example
 * const elector = new LeaderElector({ store, holderId: "replica-a", onStartedLeading: start, onStoppedLeading: stop });
 * elector.start();
 * // …
 * await elector.stop(); // stops leading, then releases the lease so another replica takes over at once
 */
export class LeaderElector {
  readonly #store: LeaseStore;
  readonly #holderId: string;
  readonly #timing: LeaseTiming;
  readonly #log: Logger;
  readonly #onStarted: () => void | Promise<void>;
  readonly #onStopped: () => void | Promise<void>;

  #leading = false;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  /** Last version seen and when (local clock) it was first seen. */
  #observed: { version: string; at: number } | undefined;
  #heldVersion: string | undefined;
  #transition: Promise<void> = Promise.resolve();
  #lastTickFailed = false;

  constructor(options: LeaderElectorOptions) {
    this.#store = options.store;
    this.#holderId = options.holderId;
    this.#timing = options.timing ?? DEFAULT_LEASE_TIMING;
    this.#log = options.logger ?? silentLogger();
    this.#onStarted = options.onStartedLeading;
    this.#onStopped = options.onStoppedLeading;
    if (!(this.#timing.renewMs < this.#timing.renewDeadlineMs && this.#timing.renewDeadlineMs < this.#timing.leaseMs)) {
      throw new RangeError(
        `lease timing must satisfy renewMs < renewDeadlineMs < leaseMs (got ${this.#timing.renewMs}/${this.#timing.renewDeadlineMs}/${this.#timing.leaseMs})`,
      );
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops leading (awaiting onStoppedLeading), then releases the lease if held. Idempotent. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#loop;
    const wasLeading = this.#leading;
    await this.#loseLeadership("stopping");
    if (wasLeading && options.release !== false && this.#heldVersion) {
      try {
        await this.#store.update(this.#heldVersion, this.#record(""));
      } catch (err) {
        this.#log.warn({ err }, "could not release the leader lease; another replica takes over once it expires");
      }
    }
    this.#heldVersion = undefined;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      const startedAt = Date.now();
      // Fixed cadence (start to start), so a slow call does not push the next renew towards the deadline.
      // After a failure retry sooner, so one slow call does not cost the lease.
      this.#loop = this.#tick().finally(() => {
        const period = this.#lastTickFailed ? this.#timing.renewMs / 4 : this.#timing.renewMs;
        this.#schedule(Math.max(0, period - (Date.now() - startedAt)));
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const sentAt = Date.now();
    try {
      const acquired = await this.#tryAcquireOrRenew(sentAt);
      if (!this.#running) return;
      this.#lastTickFailed = false;
      // Transitions run in the background: renewals must go on while reconciling starts or stops.
      if (acquired) {
        this.#armDeadline(sentAt);
        if (!this.#leading) void this.#gainLeadership();
      } else if (this.#leading) {
        void this.#loseLeadership("another replica holds the lease");
      }
    } catch (err) {
      // Keep leading until the renew deadline fires; a transient error must not cause a handover.
      this.#lastTickFailed = true;
      this.#log.warn({ err: err instanceof Error ? err.message : String(err) }, "leader lease renew failed");
    }
  }

  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    if (this.#leading && this.#heldVersion !== undefined) {
      // Renew with a single compare-and-swap; on any failure fall back to reading the record.
      try {
        const renewed = await this.#store.update(this.#heldVersion, this.#record(this.#holderId));
        this.#heldVersion = renewed.version;
        this.#observe(renewed.version, now);
        return true;
      } catch {
        this.#heldVersion = undefined;
      }
    }
    const current = await this.#store.get();
    if (!current) {
      const created = await this.#store.create(this.#record(this.#holderId));
      this.#heldVersion = created.version;
      this.#observe(created.version, now);
      return true;
    }
    // Dated when the answer arrived, not when the read was sent: the holder may have renewed while a slow read
    // was in flight, and dating its version early would let this replica take over before the holder's deadline.
    const receivedAt = Date.now();
    this.#observe(current.version, receivedAt);
    const mine = current.holder === this.#holderId;
    const free = current.holder === "";
    const expired = receivedAt - (this.#observed?.at ?? receivedAt) >= current.leaseMs;
    if (!mine && !free && !expired) return false;
    const updated = await this.#store.update(current.version, this.#record(this.#holderId));
    this.#heldVersion = updated.version;
    this.#observe(updated.version, now);
    return true;
  }

  #observe(version: string, now: number): void {
    if (this.#observed?.version !== version) this.#observed = { version, at: now };
  }

  #record(holder: string): Omit<LeaseRecord, "version"> {
    return { holder, leaseMs: this.#timing.leaseMs, renewedAt: new Date().toISOString() };
  }

  #armDeadline(renewSentAt: number): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    const remaining = renewSentAt + this.#timing.renewDeadlineMs - Date.now();
    this.#deadlineTimer = setTimeout(
      () => {
        void this.#loseLeadership("could not renew the lease before the renew deadline");
      },
      Math.max(0, remaining),
    );
    this.#deadlineTimer.unref();
  }

  /** Serialised with losing leadership, so start and stop callbacks never overlap. */
  async #gainLeadership(): Promise<void> {
    this.#transition = this.#transition.then(async () => {
      if (this.#leading || !this.#running) return;
      this.#leading = true;
      this.#log.info({ holder: this.#holderId }, "became leader");
      try {
        await this.#onStarted();
      } catch (err) {
        this.#log.error({ err: err instanceof Error ? err.message : String(err) }, "starting to lead failed");
      }
    });
    await this.#transition;
  }

  async #loseLeadership(reason: string): Promise<void> {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#transition = this.#transition.then(async () => {
      if (!this.#leading) return;
      this.#leading = false;
      this.#log.warn({ holder: this.#holderId, reason }, "stopped leading");
      try {
        await this.#onStopped();
      } catch (err) {
        this.#log.error({ err: err instanceof Error ? err.message : String(err) }, "stopping to lead failed");
      }
    });
    await this.#transition;
  }
}
