/** Shared setup for client ↔ simulator interop tests: a simulator, a registered provider, and our client. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Interceptor } from "@connectrpc/connect";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import type { Logger } from "../../src/observability/logger.ts";
import {
  createOmniTransport,
  ManagementClient,
  type OmniTransport,
  parseServiceAccountKey,
  type ServiceAccountKey,
  StateClient,
} from "../../src/omni/index.ts";

export interface Harness {
  omni: OmniSimulator;
  keyText: string;
  key: ServiceAccountKey;
  transport: OmniTransport;
  state: StateClient;
  management: ManagementClient;
  /** Another client for the same simulator and key, with extra interceptors (run before signing). */
  connect(options?: { interceptors?: Interceptor[]; logger?: Logger }): {
    transport: OmniTransport;
    state: StateClient;
    management: ManagementClient;
  };
  close(): Promise<void>;
}

/** Watch retries shrunk so resume tests take milliseconds, not seconds. */
export const FAST_WATCH_RETRY = { initialMs: 5, maxIntervalMs: 50, maxElapsedMs: 10_000 };

export async function startHarness(options: {
  tls: boolean;
  providerId?: string;
  /** Simulator watch queue limit (small values provoke ERRORED). */
  eventBuffer?: number;
}): Promise<Harness> {
  const providerId = options.providerId ?? "proxmox";
  const dataDir = mkdtempSync(join(tmpdir(), "omni-interop-"));
  const omni = await startOmniSimulator({
    tls: options.tls,
    dataDir,
    ...(options.eventBuffer !== undefined ? { eventBuffer: options.eventBuffer } : {}),
  });
  omni.registerProvider(providerId);
  const keyText = await omni.mintProviderKey(providerId);
  const key = await parseServiceAccountKey(keyText);
  const transports: OmniTransport[] = [];
  const connect: Harness["connect"] = (extra = {}) => {
    const transport = createOmniTransport({
      endpoint: omni.url,
      key,
      ...(omni.caFile ? { caFile: omni.caFile } : {}),
      ...(extra.interceptors ? { interceptors: extra.interceptors } : {}),
    });
    transports.push(transport);
    const state = new StateClient(transport, key.providerId, {
      watchRetry: FAST_WATCH_RETRY,
      ...(extra.logger ? { logger: extra.logger } : {}),
    });
    return { transport, state, management: new ManagementClient(transport, state) };
  };
  const main = connect();
  return {
    omni,
    keyText,
    key,
    ...main,
    connect,
    async close() {
      for (const t of transports) t.close();
      await omni.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads from an async iterator with a deadline, so a missing event fails the test instead of hanging it. */
export async function nextWithin<T>(it: AsyncIterator<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done) throw new Error("watch ended unexpectedly");
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}
