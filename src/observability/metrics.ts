import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The provider's Prometheus metrics, on a registry of their own (no global state, so tests and the lab
 * can run several providers in one process).
 *
 * @example
 * const metrics = createMetrics();
 * metrics.stepDuration.observe({ step: "create", outcome: "done" }, 2.5);
 */
export function createMetrics() {
  const registry = new Registry();
  const prefix = "omni_proxmox_";
  return {
    registry,
    stepDuration: new Histogram({
      name: `${prefix}step_duration_seconds`,
      help: "Duration of provisioning steps",
      labelNames: ["step", "outcome"] as const,
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    reconciles: new Counter({
      name: `${prefix}reconciles_total`,
      help: "Reconciles of machine requests by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: `${prefix}queue_depth`,
      help: "Machine requests waiting in the work queue",
      registers: [registry],
    }),
    machines: new Gauge({
      name: `${prefix}machines`,
      help: "Machine requests by stage",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: `${prefix}leader`,
      help: "1 when this replica holds the leader lease",
      registers: [registry],
    }),
    proxmoxRequests: new Counter({
      name: `${prefix}proxmox_requests_total`,
      help: "Proxmox API requests by endpoint template, method and status",
      labelNames: ["method", "endpoint", "status"] as const,
      registers: [registry],
    }),
    proxmoxRequestDuration: new Histogram({
      name: `${prefix}proxmox_request_duration_seconds`,
      help: "Proxmox API request latency",
      labelNames: ["method", "endpoint"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    omniRequests: new Counter({
      name: `${prefix}omni_requests_total`,
      help: "Omni API calls by method and result code",
      labelNames: ["method", "code"] as const,
      registers: [registry],
    }),
  };
}

export type ProviderMetrics = ReturnType<typeof createMetrics>;
