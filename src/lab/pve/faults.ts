/** A runtime fault rule, set through the admin API (`injectFault`, `POST /_admin/faults`). */
export interface FaultSpec {
  /** Match on the API path without `/api2/json`: a substring, or a regex source when wrapped in slashes. */
  endpoint?: string;
  /** Only this HTTP method (any when absent). */
  method?: string;
  /** Probability (0..1) that a matching request is hit; default 1. */
  errorRate?: number;
  /** Delay before answering (applies to every matching request, hit or not). */
  latencyMs?: number;
  /** Answer with this status (e.g. 500, 503, 596) instead of running the handler. */
  status?: number;
  message?: string;
  /** Let the handler run, but the task it starts fails with this text. */
  taskFailure?: string;
  /** Destroy the connection without answering. */
  connectionReset?: boolean;
  /** Never answer (the client's timeout must fire); the socket is closed when the simulator closes. */
  hang?: boolean;
  /** How many hits before the rule retires (unlimited when absent). */
  count?: number;
}

export interface FaultDecision {
  latencyMs: number;
  status?: number;
  message?: string;
  taskFailure?: string;
  connectionReset?: boolean;
  hang?: boolean;
}

/**
 * Evaluates fault rules per request. Randomness comes from a seeded generator so a given seed and
 * request sequence always produce the same faults.
 */
export class FaultInjector {
  private rules: { spec: FaultSpec; remaining: number }[] = [];
  private seed: number;

  constructor(seed = 0x5eed) {
    this.seed = seed >>> 0;
  }

  add(spec: FaultSpec): void {
    this.rules.push({ spec, remaining: spec.count ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultSpec[] {
    return this.rules.map((r) => ({ ...r.spec, count: Number.isFinite(r.remaining) ? r.remaining : undefined }));
  }

  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.rules) {
      const { spec } = rule;
      if (rule.remaining <= 0) continue;
      if (spec.method && spec.method.toUpperCase() !== method) continue;
      if (spec.endpoint && !matches(spec.endpoint, path)) continue;
      decision.latencyMs = Math.max(decision.latencyMs, spec.latencyMs ?? 0);
      const isFault = spec.status || spec.taskFailure || spec.connectionReset || spec.hang;
      if (!isFault) continue;
      if (this.random() >= (spec.errorRate ?? 1)) continue;
      rule.remaining--;
      if (spec.connectionReset) decision.connectionReset = true;
      if (spec.hang) decision.hang = true;
      if (spec.status) {
        decision.status = spec.status;
        decision.message = spec.message ?? "injected fault";
      }
      if (spec.taskFailure) decision.taskFailure = spec.taskFailure;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }

  /** mulberry32 */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function matches(pattern: string, path: string): boolean {
  if (pattern.length > 2 && pattern.startsWith("/") && pattern.endsWith("/")) {
    return new RegExp(pattern.slice(1, -1)).test(path);
  }
  return path.includes(pattern);
}
