/** Runs {@link sweep} periodically (one at a time), only while this replica leads. */
import type { Logger } from "../../observability/logger.ts";
import type { ProvisionerDeps } from "../steps/index.ts";
import { type LiveRequests, type SweepOptions, type SweepReport, sweep } from "./sweep.ts";

export interface GarbageCollectorOptions extends SweepOptions {
  readonly intervalMs: number;
  /** Sweeps only run while this returns true (the leader lease). */
  readonly isLeader: () => boolean;
  readonly live: () => Promise<LiveRequests>;
  readonly logger: Logger;
  readonly onSweep?: (report: SweepReport) => void;
}

export class GarbageCollector {
  readonly #deps: ProvisionerDeps;
  readonly #options: GarbageCollectorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport | undefined> | undefined;

  constructor(deps: ProvisionerDeps, options: GarbageCollectorOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    if (this.#timer || this.#options.intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One sweep now (joins a sweep already running); undefined when not leading. */
  runOnce(): Promise<SweepReport | undefined> {
    if (this.#running) return this.#running;
    if (!this.#options.isLeader()) return Promise.resolve(undefined);
    const { logger, live, onSweep } = this.#options;
    this.#running = sweep(this.#deps, live, logger, this.#options)
      .then((report) => {
        onSweep?.(report);
        return report;
      })
      .catch((err: unknown) => {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "garbage collection failed; retrying next interval",
        );
        return undefined;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
