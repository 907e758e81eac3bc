/**
 * Watch streams over the store (protocol notes §3.7): kind and single-resource watches, bootstrap with a
 * BOOTSTRAPPED tombstone, bootstrap bookmarks, tail events, resume from a bookmark, label/ID filters with
 * CREATED/DESTROYED transitions, aggregated batches, api_version gating, and ERRORED when the consumer
 * falls more than `maxQueue` events behind.
 */
import { simError } from "./errors.ts";
import { type Resource, tombstone } from "./model.ts";
import { compileQuery, type ResourceQuery } from "./query.ts";
import type { ResourceStore, StoreEvent } from "./store.ts";

export type WatchEventType = "created" | "updated" | "destroyed" | "bootstrapped" | "errored" | "noop";

export interface WatchEvent {
  type: WatchEventType;
  resource: Resource;
  old?: Resource;
  error?: string;
  bookmark?: Uint8Array;
}

export interface WatchRequestSpec {
  namespace: string;
  type: string;
  /** Present (even "") = single-resource watch. */
  id?: string;
  bootstrapContents: boolean;
  bootstrapBookmark: boolean;
  tailEvents: number;
  query: ResourceQuery;
  aggregated: boolean;
  startFromBookmark?: Uint8Array;
  apiVersion: number;
}

export interface WatchOptions {
  /**
   * Caller-visibility filter applied after the query (Omni's provider label filter). Events it rejects
   * still wake an aggregated stream, which then sends an empty batch as Omni does.
   */
  visible?: (resource: Resource) => boolean;
  /** Pending events tolerated before the stream fails with ERRORED (default 1000). */
  maxQueue?: number;
}

export interface WatchStream {
  /** Next batch to send (one event unless aggregated); undefined when the stream has ended. */
  next(signal: AbortSignal): Promise<WatchEvent[] | undefined>;
  close(): void;
}

export function encodeBookmark(storeId: string, revision: number): Uint8Array {
  return new TextEncoder().encode(`${storeId}:${revision}`);
}

function decodeBookmark(bytes: Uint8Array): { storeId: string; revision: number } | undefined {
  const match = /^([0-9a-f]+):(\d+)$/.exec(new TextDecoder().decode(bytes));
  if (!match) return undefined;
  return { storeId: match[1]!, revision: Number(match[2]) };
}

type Pending = WatchEvent | "hidden";

/**
 * Open a watch; validation errors (bad option mix, unknown bookmark) throw before any message is sent.
 *
 * @example
 * const stream = openWatch(store, { namespace: "infra-provider", type: TYPE.machineRequest, ...defaults }, {});
 * for (let batch; (batch = await stream.next(signal)); ) send(batch);
 */
export function openWatch(store: ResourceStore, spec: WatchRequestSpec, options: WatchOptions = {}): WatchStream {
  const single = spec.id !== undefined;
  const hasQuery = spec.query.labelQueries.length > 0 || spec.query.idRegexp !== "";
  if (single && (spec.bootstrapContents || hasQuery)) {
    throw simError(
      "unimplemented",
      "single-resource watch does not support bootstrap_contents or label/id queries; watch the kind instead",
    );
  }
  if (spec.bootstrapContents && (spec.tailEvents > 0 || spec.startFromBookmark)) {
    throw simError("invalid_argument", "bootstrap_contents cannot be combined with tail_events or start_from_bookmark");
  }
  if (spec.tailEvents > 0 && spec.startFromBookmark) {
    throw simError("invalid_argument", "tail_events cannot be combined with start_from_bookmark");
  }
  const matchesQuery = compileQuery(spec.query);
  const visible = options.visible ?? (() => true);
  const maxQueue = options.maxQueue ?? 1000;
  const withApi = spec.apiVersion >= 1;

  const inKind = (r: Resource) =>
    r.metadata.namespace === spec.namespace && r.metadata.type === spec.type && (!single || r.metadata.id === spec.id);

  let replay: StoreEvent[] = [];
  if (spec.startFromBookmark) {
    const mark = decodeBookmark(spec.startFromBookmark);
    const events = mark && mark.storeId === store.storeId ? store.eventsAfter(mark.revision) : undefined;
    if (!events) {
      throw simError("failed_precondition", "watch bookmark is unknown or expired; re-watch with bootstrap instead");
    }
    replay = events.filter((e) => inKind(e.resource));
  } else if (spec.tailEvents > 0) {
    replay = store.tail(spec.namespace, spec.type, single ? Number.MAX_SAFE_INTEGER : spec.tailEvents);
    if (single) replay = replay.filter((e) => inKind(e.resource)).slice(-spec.tailEvents);
  }

  const pending: Pending[] = [];
  const initial: WatchEvent[] = [];
  const bookmarkNow = () => encodeBookmark(store.storeId, store.revision);

  // Translate a store event into what this watcher sees (undefined = not for this watch at all).
  const translate = (event: StoreEvent): Pending | undefined => {
    if (!inKind(event.resource)) return undefined;
    const bookmark = encodeBookmark(store.storeId, event.revision);
    let out: WatchEvent;
    if (event.type === "updated" && event.old) {
      const was = matchesQuery(event.old);
      const is = matchesQuery(event.resource);
      if (!was && !is) return undefined;
      if (was && is) out = { type: "updated", resource: event.resource, old: event.old, bookmark };
      else out = { type: is ? "created" : "destroyed", resource: event.resource, bookmark };
    } else {
      if (!matchesQuery(event.resource)) return undefined;
      out = { type: event.type, resource: event.resource, bookmark };
    }
    return visible(out.resource) ? out : "hidden";
  };

  if (single && replay.length === 0 && !spec.startFromBookmark && spec.tailEvents === 0) {
    const current = store.get(spec.namespace, spec.type, spec.id!);
    const first: WatchEvent = current
      ? { type: "created", resource: current, bookmark: bookmarkNow() }
      : { type: "destroyed", resource: tombstone(spec.namespace, spec.type, spec.id), bookmark: bookmarkNow() };
    // Tombstones carry no labels, so a provider never sees the initial DESTROYED (§3.7).
    if (visible(first.resource)) initial.push(first);
  }
  if (spec.bootstrapContents) {
    for (const r of store.list(spec.namespace, spec.type)) {
      if (matchesQuery(r) && visible(r)) initial.push({ type: "created", resource: r });
    }
    if (withApi) {
      initial.push({ type: "bootstrapped", resource: tombstone(spec.namespace, spec.type), bookmark: bookmarkNow() });
    }
  }
  for (const event of replay) {
    const seen = translate(event);
    if (seen !== undefined && seen !== "hidden") initial.push(seen);
  }
  if (spec.bootstrapBookmark) {
    initial.push({ type: "noop", resource: tombstone(spec.namespace, spec.type), bookmark: bookmarkNow() });
  }

  let overrun = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const unsubscribe = store.subscribe((event) => {
    if (ended || overrun) return;
    const seen = translate(event);
    if (seen === undefined) return;
    pending.push(seen);
    if (pending.length > maxQueue) overrun = true;
    wake?.();
  });

  let initialSent = false;
  const close = () => {
    ended = true;
    unsubscribe();
    wake?.();
  };

  return {
    close,
    async next(signal) {
      if (!initialSent) {
        initialSent = true;
        if (initial.length > 0) {
          if (spec.aggregated) return initial;
          pending.unshift(...initial);
        }
      }
      for (;;) {
        if (ended) return undefined;
        if (overrun) {
          close();
          if (!withApi) return undefined;
          const error = `watch buffer overrun: consumer fell more than ${maxQueue} events behind; re-watch from the last bookmark`;
          return [{ type: "errored", resource: tombstone(spec.namespace, spec.type), error }];
        }
        if (spec.aggregated && pending.length > 0) {
          const batch = pending.splice(0, pending.length);
          return batch.filter((e): e is WatchEvent => e !== "hidden");
        }
        while (pending.length > 0) {
          const item = pending.shift()!;
          if (item !== "hidden") return [item];
        }
        if (signal.aborted) {
          close();
          return undefined;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            wake = undefined;
            signal.removeEventListener("abort", done);
            resolve();
          };
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
      }
    },
  };
}
