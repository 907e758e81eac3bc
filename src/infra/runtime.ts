/**
 * The provider-agnostic infra provider runtime: startup (join mode, provider status), leader lease,
 * watches → keyed work queue → reconcile, health heartbeat and dangling-state cleanup.
 */
import { hostname } from "node:os";
import type { Logger } from "../observability/logger.ts";
import { MachineRequestStatuses, MachineRequests } from "../omni/resources.ts";
import type { StateClient } from "../omni/state.ts";
import { type BackoffPolicy, KeyedBackoff } from "./backoff.ts";
import { cleanupDanglingState } from "./cleanup.ts";
import { detectJoinMode } from "./connection.ts";
import { defaultLogger, type JoinMode, type ReconcileEnv, stateTypeFor } from "./env.ts";
import { errorText, InfraError } from "./errors.ts";
import { callHook, type InfraHooks, StageTracker } from "./hooks.ts";
import { DEFAULT_LEASE_TIMING, LeaderElector, type LeaseTiming } from "./lease.ts";
import { OmniLeaseStore } from "./lease-store.ts";
import type { ManagementPort } from "./management-port.ts";
import { registerProviderStatus, sendHeartbeat } from "./provider-status.ts";
import { stageName } from "./provision.ts";
import { WorkQueue } from "./queue.ts";
import { reconcileRequest } from "./reconcile.ts";
import { ALL_STEPS_DONE, type InfraProviderDefinition } from "./steps.ts";
import { runWatchFeed, watchedKinds } from "./watch.ts";

export interface LeaseOptions {
  /** Default true. Disable only when a single replica is guaranteed. */
  enabled?: boolean;
  /** Identity of this replica in the lease (default `<hostname>-<pid>-<random>`). */
  holderId?: string;
  /** Default lease 15 s, renew 5 s, renew deadline 10 s; see `scaledLeaseTiming` for tests. */
  timing?: LeaseTiming;
}

export interface InfraRuntimeOptions<S> {
  state: StateClient;
  /** Needed by steps that build schematics or boot assets. */
  management?: ManagementPort;
  providerId: string;
  provider: InfraProviderDefinition<S>;
  /** Requests reconciled at once (default 8). */
  concurrency?: number;
  logger?: Logger;
  hooks?: InfraHooks;
  leaseOptions?: LeaseOptions;
  /** Sign the request ID into each machine's join token (default true, as the Go provider). */
  encodeRequestIdInToken?: boolean;
  /** Health heartbeat interval (default 10 s; at most 20 s so Omni's 31 s window is never missed). */
  heartbeatIntervalMs?: number;
  /** Full resync of every MachineRequest (default 5 min). */
  resyncIntervalMs?: number;
  /** Dangling-state cleanup (default 10 min; also once when leading starts). */
  cleanupIntervalMs?: number;
  /** Backoff after reconcile errors (default 0.5 s ×1.5, max 60 s, ±50 %). */
  errorBackoff?: BackoffPolicy;
  /** Backoff after a step fails or deprovision throws (default 5 s ×2, max 60 s, ±20 %). */
  failBackoff?: BackoffPolicy;
  /** Backoff between re-opening ended watches (default as errorBackoff). */
  watchBackoff?: BackoffPolicy;
}

export interface InfraRuntime {
  /** Detects the join mode, registers the provider, and starts competing for the lease. Throws if registration fails. */
  start(): Promise<void>;
  /** Stops reconciling (aborting in-flight steps), releases the lease. Idempotent. */
  stop(): Promise<void>;
  isLeader(): boolean;
  joinMode(): JoinMode | undefined;
  /** Requests waiting or running. */
  queueDepth(): number;
  /** Queues one request for reconcile now (no-op while not leading). */
  enqueue(requestId: string): void;
}

const DEFAULT_FAIL_BACKOFF: BackoffPolicy = { initialMs: 5_000, factor: 2, maxMs: 60_000, jitter: 0.2 };
const MAX_HEARTBEAT_MS = 20_000;

/**
 * @example
 * const runtime = createInfraRuntime({ state, management, providerId: key.providerId, provider: proxmoxProvider, logger });
 * await runtime.start();
 * process.on("SIGTERM", () => void runtime.stop());
 */
export function createInfraRuntime<S>(options: InfraRuntimeOptions<S>): InfraRuntime {
  validateProvider(options.provider);
  const heartbeatMs = options.heartbeatIntervalMs ?? 10_000;
  if (heartbeatMs <= 0 || heartbeatMs > MAX_HEARTBEAT_MS) {
    throw new RangeError(`heartbeatIntervalMs must be in (0, ${MAX_HEARTBEAT_MS}] ms (got ${heartbeatMs})`);
  }
  const logger = defaultLogger(options.logger).child({ provider: options.providerId });
  const hooks = options.hooks;
  const provider = options.provider as InfraProviderDefinition<unknown>;
  const leaseEnabled = options.leaseOptions?.enabled ?? true;
  const holderId =
    options.leaseOptions?.holderId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  let env: ReconcileEnv<S> | undefined;
  let active: ActiveSet | undefined;
  let elector: LeaderElector | undefined;
  let started = false;

  const becomeActive = async (): Promise<void> => {
    if (!env || active) return;
    active = startActive(env, options, heartbeatMs, provider);
    callHook(hooks, "leaderChanged", true);
  };
  const becomeInactive = async (): Promise<void> => {
    const current = active;
    active = undefined;
    if (!current) return;
    callHook(hooks, "leaderChanged", false);
    await current.stop();
  };

  return {
    async start() {
      if (started) return;
      started = true;
      const joinMode = await detectJoinMode(options.state);
      await registerProviderStatus(options.state, options.providerId, provider);
      env = {
        state: options.state,
        management: options.management,
        providerId: options.providerId,
        provider: options.provider,
        stateType: stateTypeFor(options.providerId, options.provider),
        joinMode,
        encodeRequestIdInToken: options.encodeRequestIdInToken ?? true,
        failBackoff: new KeyedBackoff(options.failBackoff ?? DEFAULT_FAIL_BACKOFF),
        logger,
        hooks,
        stages: new StageTracker(hooks),
      };
      logger.info({ joinMode, lease: leaseEnabled, holder: holderId }, "infra provider runtime started");
      if (!leaseEnabled) {
        await becomeActive();
        return;
      }
      elector = new LeaderElector({
        store: new OmniLeaseStore(options.state, options.providerId),
        holderId,
        timing: options.leaseOptions?.timing ?? DEFAULT_LEASE_TIMING,
        logger,
        onStartedLeading: becomeActive,
        onStoppedLeading: becomeInactive,
      });
      elector.start();
    },

    async stop() {
      if (!started) return;
      started = false;
      if (elector) await elector.stop();
      else await becomeInactive();
      elector = undefined;
      logger.info("infra provider runtime stopped");
    },

    isLeader: () => active !== undefined,
    joinMode: () => env?.joinMode,
    queueDepth: () => active?.queue.depth() ?? 0,
    enqueue(requestId) {
      active?.queue.add(requestId);
    },
  };
}

interface ActiveSet {
  queue: WorkQueue;
  stop(): Promise<void>;
}

/** Everything that runs only on the leader. */
function startActive<S>(
  env: ReconcileEnv<S>,
  options: InfraRuntimeOptions<S>,
  heartbeatMs: number,
  provider: InfraProviderDefinition<unknown>,
): ActiveSet {
  const abort = new AbortController();
  const { signal } = abort;
  const log = env.logger;
  const queue = new WorkQueue((id, queueSignal) => reconcileRequest(env, id, queueSignal), {
    concurrency: options.concurrency ?? 8,
    ...(options.errorBackoff ? { backoff: options.errorBackoff } : {}),
    onDepth: (depth) => callHook(env.hooks, "queueDepth", depth),
  });
  queue.start();

  const resync = async (): Promise<void> => {
    const [requests, statuses] = await Promise.all([
      env.state.list(MachineRequests),
      env.state.list(MachineRequestStatuses),
    ]);
    for (const status of statuses) env.stages.set(status.metadata.id, stageName(status.spec.stage));
    for (const request of requests) queue.add(request.metadata.id);
  };

  const loops: Promise<void>[] = [];
  loops.push(
    runWatchFeed(
      {
        state: env.state,
        kinds: watchedKinds(env.stateType as never),
        enqueue: (id) => queue.add(id),
        resync,
        resyncIntervalMs: options.resyncIntervalMs ?? 5 * 60_000,
        logger: log,
        ...(options.watchBackoff ? { backoff: options.watchBackoff } : {}),
      },
      signal,
    ),
  );
  loops.push(
    every(heartbeatMs, signal, async () => {
      try {
        await sendHeartbeat(env.state, env.providerId, provider, log);
        callHook(env.hooks, "heartbeat", true);
      } catch (err) {
        callHook(env.hooks, "heartbeat", false);
        log.warn({ err: errorText(err) }, "health heartbeat failed");
      }
    }),
  );
  loops.push(
    every(options.cleanupIntervalMs ?? 10 * 60_000, signal, async () => {
      try {
        await cleanupDanglingState(env, signal);
      } catch (err) {
        log.warn({ err: errorText(err) }, "dangling-state cleanup failed");
      }
    }),
  );

  return {
    queue,
    async stop() {
      abort.abort(new InfraError("lease_lost", "reconciling stopped"));
      await queue.stop();
      await Promise.allSettled(loops);
    },
  };
}

/** Runs `task` now and then every `intervalMs` until `signal` aborts (never overlapping). */
async function every(intervalMs: number, signal: AbortSignal, task: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await task();
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

function validateProvider(provider: InfraProviderDefinition<unknown> | InfraProviderDefinition<never>): void {
  const names = new Set<string>();
  for (const step of provider.steps) {
    if (!step.name) throw new InfraError("invalid_provider", "every step needs a non-empty name");
    if (step.name === ALL_STEPS_DONE) {
      throw new InfraError("invalid_provider", `step name "${ALL_STEPS_DONE}" is reserved; rename the step`);
    }
    if (names.has(step.name)) {
      throw new InfraError("invalid_provider", `step name "${step.name}" is used twice; step names must be unique`);
    }
    names.add(step.name);
  }
}
