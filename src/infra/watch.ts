/**
 * Watches that feed the work queue (omni-protocol §6.1): every watched kind's events are mapped to the
 * MachineRequest IDs they concern. A watch that ends (server restart, unknown bookmark, ERRORED) is
 * re-opened and followed by a full resync, so no request is ever missed.
 */
import type { Logger } from "../observability/logger.ts";
import type { Resource, ResourceType } from "../omni/resource.ts";
import {
  ConfigPatchRequests,
  InfraMachineRegistrations,
  LABEL_MACHINE_REQUEST,
  MachineRequestStatuses,
  MachineRequests,
} from "../omni/resources.ts";
import { sleep } from "../omni/retry.ts";
import type { StateClient, WatchEvent } from "../omni/state.ts";
import { type BackoffPolicy, DEFAULT_BACKOFF, KeyedBackoff } from "./backoff.ts";
import { errorText } from "./errors.ts";

/** Which requests an event concerns. */
export type EventMapper = (event: WatchEvent<unknown>) => string[];

function destroyReady(res: Resource<unknown> | undefined): boolean {
  return res !== undefined && res.metadata.phase === "tearingDown" && res.metadata.finalizers.length === 0;
}

/** MachineRequests: the request itself, on every event. */
export const mapMachineRequestEvent: EventMapper = (e) => (e.resource ? [e.resource.metadata.id] : []);

/** Status and provider state: same ID, only when destroy-ready or destroyed (teardown waits on them). */
export const mapSameIdWhenReleased: EventMapper = (e) =>
  e.resource && (e.type === "destroyed" || destroyReady(e.resource)) ? [e.resource.metadata.id] : [];

/** ConfigPatchRequests: the request named by their label, when destroy-ready or destroyed. */
export const mapPatchEvent: EventMapper = (e) => {
  const request = e.resource?.metadata.labels[LABEL_MACHINE_REQUEST];
  return request && (e.type === "destroyed" || destroyReady(e.resource)) ? [request] : [];
};

/** MachineRegistrations: the request named by their label, on any event. */
export const mapRegistrationEvent: EventMapper = (e) => {
  const request = e.resource?.metadata.labels[LABEL_MACHINE_REQUEST];
  return request ? [request] : [];
};

export interface WatchedKind {
  rt: ResourceType<unknown>;
  map: EventMapper;
}

/** The kinds of §6.1 (join config kinds are read on every reconcile, so they need no watch). */
export function watchedKinds(stateType: ResourceType<unknown>): WatchedKind[] {
  return [
    { rt: MachineRequests as ResourceType<unknown>, map: mapMachineRequestEvent },
    { rt: MachineRequestStatuses as ResourceType<unknown>, map: mapSameIdWhenReleased },
    { rt: InfraMachineRegistrations as ResourceType<unknown>, map: mapRegistrationEvent },
    { rt: ConfigPatchRequests as ResourceType<unknown>, map: mapPatchEvent },
    { rt: stateType, map: mapSameIdWhenReleased },
  ];
}

export interface WatchFeedOptions {
  state: StateClient;
  kinds: WatchedKind[];
  enqueue: (id: string) => void;
  /** Lists every request and enqueues it; run at start, after every re-opened watch, and periodically. */
  resync: () => Promise<void>;
  resyncIntervalMs: number;
  logger: Logger;
  /** Backoff between re-opening a watch that ended. */
  backoff?: BackoffPolicy;
}

/**
 * Runs the watches until `signal` aborts. Each (re-)established stream triggers a resync, which closes the
 * gap between listing and watching; resyncs requested while one runs are coalesced into one more.
 *
 * @example
 * await runWatchFeed({ state, kinds: watchedKinds(stateType), enqueue: (id) => queue.add(id), resync, resyncIntervalMs: 300_000, logger }, signal);
 */
export async function runWatchFeed(options: WatchFeedOptions, signal: AbortSignal): Promise<void> {
  const backoff = new KeyedBackoff(options.backoff ?? DEFAULT_BACKOFF);
  const resync = coalesced(async () => {
    try {
      await options.resync();
    } catch (err) {
      options.logger.warn({ err: errorText(err) }, "resync failed; the next one will catch up");
    }
  });
  const loops = options.kinds.map((kind) => watchKindForever(options, kind, backoff, resync, signal));
  const periodic = (async () => {
    while (!signal.aborted) {
      try {
        await sleep(options.resyncIntervalMs, signal);
      } catch {
        return;
      }
      await resync();
    }
  })();
  await resync();
  await Promise.all([...loops, periodic]);
}

async function watchKindForever(
  options: WatchFeedOptions,
  kind: WatchedKind,
  backoff: KeyedBackoff,
  resync: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const events = options.state.watch(kind.rt, { aggregated: true, bootstrapBookmark: true }, signal);
      for await (const event of events) {
        if (event.type === "noop" || event.type === "bootstrapped") {
          // A stream was (re-)established: anything that happened before it is picked up by a resync.
          backoff.reset(kind.rt.type);
          void resync();
          continue;
        }
        for (const id of kind.map(event)) options.enqueue(id);
      }
    } catch (err) {
      if (signal.aborted) return;
      options.logger.warn({ kind: kind.rt.type, err: errorText(err) }, "watch ended; re-opening it");
    }
    if (signal.aborted) return;
    try {
      await sleep(backoff.next(kind.rt.type), signal);
    } catch {
      return;
    }
  }
}

/** Wraps `run` so that concurrent calls share one run, plus at most one follow-up run. */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  let again: Promise<void> | undefined;
  const start = (): Promise<void> => {
    current = run().finally(() => {
      current = undefined;
    });
    return current;
  };
  return () => {
    if (!current) return start();
    again ??= current.then(() => {
      again = undefined;
      return start();
    });
    return again;
  };
}
