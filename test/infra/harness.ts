/**
 * Shared setup for runtime tests: an Omni simulator over gRPC, a registered provider, our Omni client,
 * the fake provisioner, and runtimes with shrunk timings (lease 1.5 s, heartbeat 100 ms, backoffs in ms).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { BackoffPolicy } from "../../src/infra/backoff.ts";
import type { InfraHooks } from "../../src/infra/hooks.ts";
import { scaledLeaseTiming } from "../../src/infra/lease.ts";
import { createInfraRuntime, type InfraRuntime, type InfraRuntimeOptions } from "../../src/infra/runtime.ts";
import type { InfraProviderDefinition } from "../../src/infra/steps.ts";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import type { Resource as SimResource } from "../../src/lab/omni/model.ts";
import { createLogger, type Logger, silentLogger } from "../../src/observability/logger.ts";
import {
  type MachineRequestStatusSpec,
  MachineRequestStatusSpecSchema,
} from "../../src/omni/gen/omni/specs/infra_pb.js";
import {
  createOmniTransport,
  ManagementClient,
  type OmniTransport,
  parseServiceAccountKey,
  type ServiceAccountKey,
  StateClient,
} from "../../src/omni/index.ts";
import { FakeProvisioner, type FakeProvisionerOptions, type FakeState, fakeStateCodec } from "./fake-provisioner.ts";

export const PROVIDER_ID = "fake";
export const NS_INFRA = "infra-provider";
export const MR_TYPE = "MachineRequests.omni.sidero.dev";
export const MRS_TYPE = "MachineRequestStatuses.omni.sidero.dev";
export const CPR_TYPE = "ConfigPatchRequests.omni.sidero.dev";
export const STATE_NS = `infra-provider:${PROVIDER_ID}`;
export const STATE_TYPE = `Machine.${PROVIDER_ID}.infraprovider.sidero.dev`;
export const LEASE_TYPE = `Lease.${PROVIDER_ID}.infraprovider.sidero.dev`;
export const FINALIZER = `${PROVIDER_ID}.ProvisionController`;
export const OWNER = FINALIZER;

/** Generous: a full `npm test` runs suites side by side on 2 busy cores. */
const UNTIL_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 5_000;
const CLOSE_STEP_MS = 15_000;

/** Waits for `work` but no longer than `ms` (the timer never keeps the process alive). */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const FAST: BackoffPolicy = { initialMs: 10, factor: 1.5, maxMs: 100, jitter: 0 };
export const FAST_LEASE = scaledLeaseTiming(0.1);

/** A runtime whose connection to Omni can be cut, simulating a killed or partitioned process. */
export interface TestRuntime extends InfraRuntime {
  /** From now on every call to Omni fails (UNAVAILABLE); the runtime itself keeps running. */
  cutOff(): void;
}

export interface InfraHarness {
  omni: OmniSimulator;
  key: ServiceAccountKey;
  fake: FakeProvisioner;
  /** A new client + runtime pair (each runtime gets its own HTTP/2 connection). */
  /** `provider` defaults to the shared fake provisioner. */
  runtime(
    overrides?: Partial<Omit<InfraRuntimeOptions<FakeState>, "provider">> & {
      provider?: { definition: InfraProviderDefinition<FakeState> };
    },
  ): TestRuntime;
  createRequest(id: string, labels?: Record<string, string>): void;
  status(id: string): MachineRequestStatusSpec | undefined;
  resource(namespace: string, type: string, id: string): SimResource | undefined;
  /** Resolves when `check` holds, re-checking on every change in the simulator's store. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startInfraHarness(
  options: { fake?: FakeProvisionerOptions; logger?: Logger } = {},
): Promise<InfraHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), "infra-runtime-"));
  const omni = await startOmniSimulator({ dataDir, eventBuffer: 10_000 });
  omni.registerProvider(PROVIDER_ID);
  const key = await parseServiceAccountKey(await omni.mintProviderKey(PROVIDER_ID));
  const transports: OmniTransport[] = [];
  const runtimes: InfraRuntime[] = [];
  const fake = new FakeProvisioner({
    onMachineStarted: (_id, machineUuid, kernelArgs) => {
      omni.admin.machineJoined({ machineUuid, kernelArgs });
    },
    waitJoinRetryMs: 20,
    ...options.fake,
  });
  const logger = options.logger ?? (process.env.INFRA_TEST_LOGS ? createLogger({ level: "debug" }) : silentLogger());

  const harness: InfraHarness = {
    omni,
    key,
    fake,
    runtime(overrides = {}) {
      let cut = false;
      const severable: Interceptor = (next) => async (req) => {
        if (cut) throw new ConnectError("connection cut by the test", Code.Unavailable);
        return next(req);
      };
      // The transport's default deadline bounds calls cut by a simulator restart; 5 s keeps recovery quick.
      const transport = createOmniTransport({
        endpoint: omni.url,
        key,
        interceptors: [severable],
        callTimeoutMs: CALL_TIMEOUT_MS,
        logger,
      });
      transports.push(transport);
      const state = new StateClient(transport, key.providerId, {
        watchRetry: { initialMs: 5, maxIntervalMs: 50, maxElapsedMs: 60_000 },
      });
      const { provider, ...rest } = overrides;
      const runtime = createInfraRuntime<FakeState>({
        state,
        management: new ManagementClient(transport, state),
        providerId: PROVIDER_ID,
        provider: (provider ?? fake).definition,
        logger,
        heartbeatIntervalMs: 100,
        resyncIntervalMs: 5_000,
        cleanupIntervalMs: 5_000,
        errorBackoff: FAST,
        failBackoff: FAST,
        watchBackoff: FAST,
        leaseOptions: { timing: FAST_LEASE },
        ...rest,
      });
      runtimes.push(runtime);
      return Object.assign(runtime, {
        cutOff() {
          cut = true;
        },
      });
    },
    createRequest(id, labels = {}) {
      omni.admin.createMachineRequest({ providerId: PROVIDER_ID, id, labels });
    },
    status(id) {
      const res = omni.admin.get(NS_INFRA, MRS_TYPE, id);
      return res ? fromBinary(MachineRequestStatusSpecSchema, res.spec.protoSpec) : undefined;
    },
    resource: (namespace, type, id) => omni.admin.get(namespace, type, id),
    until(check, what, timeoutMs = UNTIL_TIMEOUT_MS) {
      return new Promise<void>((resolve, reject) => {
        const finish = (err?: Error) => {
          clearTimeout(timer);
          clearInterval(poll);
          unsubscribe();
          if (err) reject(err);
          else resolve();
        };
        const test = () => {
          try {
            if (check()) finish();
          } catch (err) {
            finish(err as Error);
          }
        };
        // The store is replaced on restart(), so also re-check on a slow timer.
        const unsubscribe = omni.admin.subscribe(() => queueMicrotask(test));
        // Unref'd: a wait abandoned by a timed-out test must not keep the test file alive.
        const poll = setInterval(test, 25).unref();
        const timer = setTimeout(() => finish(new Error(`timed out waiting for: ${what}`)), timeoutMs).unref();
        test();
      });
    },
    async close() {
      // Runs after failed or timed-out tests too: every step is bounded so the test file always exits.
      await settleWithin(Promise.allSettled(runtimes.map((r) => r.stop())), CLOSE_STEP_MS);
      for (const t of transports) t.close();
      await settleWithin(omni.close(), CLOSE_STEP_MS);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export { fakeStateCodec };

/** A hooks recorder for assertions. */
export function recordingHooks(): InfraHooks & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    stepFinished: (step, outcome) => events.push(`step:${step}:${outcome}`),
    reconcileFinished: (outcome) => events.push(`reconcile:${outcome}`),
    leaderChanged: (leader) => events.push(`leader:${leader}`),
    queueDepth: () => {},
    stageCounts: () => {},
  };
}
