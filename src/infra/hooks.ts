/**
 * Observability hooks: the runtime reports what it does through this small interface; the Prometheus
 * exporter (and tests) implement it. Every method is optional and must not throw or block.
 */

export type StepOutcome = "done" | "retry" | "fail";

export type ReconcileOutcome =
  /** Nothing to do (not ours, already provisioned, request gone). */
  | "noop"
  /** Progress made, more steps to come. */
  | "progress"
  | "provisioned"
  /** A step asked to be retried later. */
  | "retry"
  /** A step failed; retried with backoff. */
  | "failed"
  /** Teardown step done (possibly waiting for Omni's finalizers). */
  | "teardown"
  /** An API or unexpected error; retried with backoff. */
  | "error";

export type RequestStage = "unknown" | "provisioning" | "provisioned" | "failed";

export interface InfraHooks {
  stepFinished?(step: string, outcome: StepOutcome, seconds: number): void;
  queueDepth?(depth: number): void;
  reconcileFinished?(outcome: ReconcileOutcome, seconds: number): void;
  /** Number of requests per MachineRequestStatus stage, as last written or observed by this replica. */
  stageCounts?(counts: Record<RequestStage, number>): void;
  leaderChanged?(isLeader: boolean): void;
  heartbeat?(ok: boolean): void;
}

/** Calls a hook, swallowing anything it throws so metrics can never break reconciling. */
export function callHook<K extends keyof InfraHooks>(
  hooks: InfraHooks | undefined,
  name: K,
  ...args: Parameters<NonNullable<InfraHooks[K]>>
): void {
  const fn = hooks?.[name] as ((...a: unknown[]) => void) | undefined;
  if (!fn) return;
  try {
    fn.apply(hooks, args);
  } catch {
    // Hooks are best-effort.
  }
}

/** Tracks each request's stage and reports totals through {@link InfraHooks.stageCounts}. */
export class StageTracker {
  readonly #stages = new Map<string, RequestStage>();
  readonly #hooks: InfraHooks | undefined;

  constructor(hooks: InfraHooks | undefined) {
    this.#hooks = hooks;
  }

  set(requestId: string, stage: RequestStage | undefined): void {
    const before = this.#stages.get(requestId);
    if (stage === undefined) this.#stages.delete(requestId);
    else this.#stages.set(requestId, stage);
    if (before !== stage) callHook(this.#hooks, "stageCounts", this.counts());
  }

  counts(): Record<RequestStage, number> {
    const counts: Record<RequestStage, number> = { unknown: 0, provisioning: 0, provisioned: 0, failed: 0 };
    for (const stage of this.#stages.values()) counts[stage]++;
    return counts;
  }
}
