/**
 * The composition root of `omni-proxmox run`: from a resolved {@link ProviderConfig} to a running
 * provider — Proxmox client, Omni transport + state + management clients, the provisioner, the infra
 * runtime, garbage collection, metrics and the observability endpoints. Refuses to start when the
 * configured provider ID is not the identity inside the service-account key (Omni would reject every
 * write, or worse, we would manage another provider's machines).
 */
import type { ProviderConfig } from "../config/index.ts";
import type { InfraHooks } from "../infra/hooks.ts";
import { createInfraRuntime, type InfraRuntime, type InfraRuntimeOptions } from "../infra/runtime.ts";
import { type ObservabilityServer, serveObservability } from "../observability/http.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics, type ProviderMetrics } from "../observability/metrics.ts";
import { registerSecret } from "../observability/secrets.ts";
import { parseServiceAccountKey } from "../omni/key.ts";
import { ManagementClient } from "../omni/management.ts";
import { StateClient } from "../omni/state.ts";
import { createOmniTransport } from "../omni/transport.ts";
import { ProxmoxClient, type ProxmoxClientOptions, type RequestRecord } from "../proxmox/index.ts";
import { GarbageCollector, readLiveRequests, type SweepOptions } from "./gc/index.ts";
import { IsoShare } from "./images/index.ts";
import { createProxmoxProvisioner } from "./provisioner.ts";
import { omniMachineStates, ReservationBook } from "./state/index.ts";
import { DEFAULT_STEP_TIMING, type ProvisionerDeps, type StepTiming, VmidAllocators } from "./steps/index.ts";
import type { ApiIdentity } from "./vmspec/index.ts";

export type ServiceErrorCode = "provider_id_mismatch";

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;

  constructor(code: ServiceErrorCode, message: string) {
    super(message);
    this.name = "ServiceError";
    this.code = code;
  }
}

/** Runtime knobs not in the config file (tests shrink delays; the CLI passes its logger). */
export type RuntimeTuning = Partial<
  Pick<
    InfraRuntimeOptions<unknown>,
    | "heartbeatIntervalMs"
    | "resyncIntervalMs"
    | "cleanupIntervalMs"
    | "errorBackoff"
    | "failBackoff"
    | "watchBackoff"
    | "leaseOptions"
  >
>;

export interface StartProviderOptions {
  logger?: Logger;
  timing?: Partial<StepTiming>;
  runtime?: RuntimeTuning;
  gc?: SweepOptions;
  /** Provider version shown in Omni. */
  version?: string;
  /** Proxmox client settings beyond the config (e.g. retry policy in tests). */
  proxmox?: Partial<Pick<ProxmoxClientOptions, "retry" | "connections">>;
}

export interface RunningProvider {
  readonly providerId: string;
  readonly runtime: InfraRuntime;
  readonly gc: GarbageCollector;
  readonly deps: ProvisionerDeps;
  readonly metrics: ProviderMetrics;
  /** The `/metrics` `/healthz` `/readyz` server, when `metricsAddr` is set. */
  readonly observability: ObservabilityServer | undefined;
  stop(): Promise<void>;
}

/**
 * @example
 * const provider = await startProvider(resolveConfig(flags, process.env));
 * process.on("SIGTERM", () => void provider.stop());
 */
export async function startProvider(config: ProviderConfig, opts: StartProviderOptions = {}): Promise<RunningProvider> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  registerSecret(config.omni.serviceAccountKey);
  const key = await parseServiceAccountKey(config.omni.serviceAccountKey);
  if (key.providerId !== config.providerId) {
    throw new ServiceError(
      "provider_id_mismatch",
      `provider ID "${config.providerId}" (--id) differs from the service-account key's provider "${key.providerId}" (${key.identity}); ` +
        `start with --id ${key.providerId}, or create a key for "${config.providerId}" with \`omnictl infraprovider create ${config.providerId}\``,
    );
  }
  const providerId = key.providerId;
  const metrics = createMetrics();

  const pve = new ProxmoxClient({
    url: config.proxmox.url,
    ...(config.proxmox.auth.kind === "token"
      ? { tokenID: config.proxmox.auth.tokenId, tokenSecret: config.proxmox.auth.secret }
      : {
          username: config.proxmox.auth.username,
          password: config.proxmox.auth.password,
          realm: config.proxmox.auth.realm,
        }),
    insecureSkipVerify: config.proxmox.insecureSkipVerify,
    ...(config.proxmox.caFile !== undefined ? { caFile: config.proxmox.caFile } : {}),
    ...(config.proxmox.fingerprint !== undefined ? { fingerprint: config.proxmox.fingerprint } : {}),
    timeoutMs: config.proxmox.timeoutMs,
    logger: logger.child({ component: "proxmox" }),
    onRequest: (record) => countProxmoxRequest(metrics, record),
    ...opts.proxmox,
  });
  const transport = createOmniTransport({
    endpoint: config.omni.endpoint,
    key,
    insecureSkipVerify: config.omni.insecureSkipVerify,
    ...(config.omni.caFile !== undefined ? { caFile: config.omni.caFile } : {}),
    logger: logger.child({ component: "omni-transport" }),
  });
  const state = new StateClient(transport, providerId, { logger: logger.child({ component: "omni" }) });
  const management = new ManagementClient(transport, state);

  const timing: StepTiming = { ...DEFAULT_STEP_TIMING, ...opts.timing };
  const states = omniMachineStates(state, providerId);
  const deps: ProvisionerDeps = {
    pve,
    providerId,
    identity: identityOf(config),
    book: new ReservationBook(states),
    states,
    isos: new IsoShare(pve, { task: timing.task }),
    vmids: new VmidAllocators(pve, config.proxmox.vmidRange),
    overcommit: config.overcommit,
    timing,
    logger,
  };
  const provider = createProxmoxProvisioner(deps, {
    name: config.providerName,
    description: config.providerDescription,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
  });
  const runtime = createInfraRuntime({
    state,
    management,
    providerId,
    provider,
    concurrency: config.concurrency,
    logger,
    hooks: metricsHooks(metrics),
    ...opts.runtime,
  });
  const gc = new GarbageCollector(deps, {
    intervalMs: config.gcIntervalMs,
    isoGraceMs: config.isoGraceMs,
    isLeader: () => runtime.isLeader(),
    live: () => readLiveRequests(state, providerId, states),
    logger: logger.child({ component: "gc" }),
    ...opts.gc,
  });

  let observability: ObservabilityServer | undefined;
  const close = async () => {
    await gc.stop();
    await runtime.stop();
    await observability?.close();
    transport.close();
    await pve.close();
  };
  try {
    await runtime.start();
    gc.start();
    if (config.metricsAddr) {
      observability = await serveObservability(config.metricsAddr, metrics.registry, {
        live: () => true,
        ready: () =>
          runtime.joinMode() === undefined
            ? { ready: false, reasons: ["not connected to Omni yet"] }
            : { ready: true, reasons: [] },
      });
    }
  } catch (err) {
    await close();
    throw err;
  }
  logger.info({ providerId, proxmox: config.proxmox.url }, "provider started");
  return { providerId, runtime, gc, deps, metrics, observability, stop: close };
}

function identityOf(config: ProviderConfig): ApiIdentity {
  const auth = config.proxmox.auth;
  if (auth.kind === "token") return { kind: "token", tokenId: auth.tokenId };
  return { kind: "password", user: auth.username.includes("@") ? auth.username : `${auth.username}@${auth.realm}` };
}

function metricsHooks(metrics: ProviderMetrics): InfraHooks {
  return {
    stepFinished: (step, outcome, seconds) => metrics.stepDuration.labels(step, outcome).observe(seconds),
    queueDepth: (depth) => metrics.queueDepth.set(depth),
    reconcileFinished: (outcome) => metrics.reconciles.labels(outcome).inc(),
    stageCounts: (counts) => {
      for (const [stage, n] of Object.entries(counts)) metrics.machines.labels(stage).set(n);
    },
    leaderChanged: (leader) => metrics.leader.set(leader ? 1 : 0),
  };
}

function countProxmoxRequest(metrics: ProviderMetrics, record: RequestRecord): void {
  metrics.proxmoxRequests.labels(record.method, record.endpoint, String(record.status)).inc();
  metrics.proxmoxRequestDuration.labels(record.method, record.endpoint).observe(record.durationMs / 1000);
}
