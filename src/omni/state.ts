import { create } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import type { Logger } from "../observability/logger.ts";
import { isOmniError, type OmniCallKind, OmniError, type OmniErrorCode, toOmniError } from "./errors.ts";
import type { Resource as ProtoResource } from "./gen/v1alpha1/resource_pb.js";
import { EventType, type Event as ProtoEvent, State, WatchRequestSchema } from "./gen/v1alpha1/state_pb.js";
import { type LabelQuery, labelQueriesToProto } from "./labels.ts";
import {
  cloneMetadata,
  describe,
  type Metadata,
  newMetadata,
  type Phase,
  type Resource,
  type ResourceType,
  resourceFromProto,
  resourceToProto,
} from "./resource.ts";
import { Backoff, DEFAULT_WATCH_RETRY, sleep, type WatchRetryPolicy } from "./retry.ts";

export interface GetOptions {
  namespace?: string;
}

export interface ListOptions {
  namespace?: string;
  /** OR-ed label queries (terms inside one query are AND-ed). None = everything. */
  labels?: LabelQuery[];
  /** RE2, unanchored, matched against the ID. */
  idRegexp?: string;
}

export interface CreateOptions {
  owner: string;
}

export interface UpdateOptions {
  /** Must equal the stored owner. */
  owner: string;
  /** When given, the stored phase must equal it (else `phase_conflict`). */
  expectedPhase?: Phase;
}

export interface DestroyOptions {
  owner: string;
  namespace?: string;
}

export interface ModifyOptions {
  owner: string;
  namespace?: string;
  /** Phase the stored resource must be in for the update (default "running", like the Go runtime). */
  expectedPhase?: Phase;
}

/** Input for create: metadata fields default from the resource type (namespace, type) and to a fresh resource. */
export interface ResourceInput<S> {
  metadata: Partial<Metadata> & { id: string };
  spec: S;
}

export interface WatchOptions {
  namespace?: string;
  /** Presence (even "") selects a single-resource watch. */
  id?: string;
  labels?: LabelQuery[];
  idRegexp?: string;
  /** Kind watch: first a CREATED event per existing resource, then BOOTSTRAPPED. */
  bootstrapContents?: boolean;
  /** Send a NOOP event carrying the current bookmark after the (optional) bootstrap. */
  bootstrapBookmark?: boolean;
  /** Batch events server-side. Events are still yielded one by one. */
  aggregated?: boolean;
  /** Resume strictly after this bookmark. */
  startFromBookmark?: Uint8Array;
  /** Replay the last N buffered events first. */
  tailEvents?: number;
}

export type WatchEventType = "created" | "updated" | "destroyed" | "bootstrapped" | "errored" | "noop";

export interface WatchEvent<S> {
  type: WatchEventType;
  /** The resource (last state for "destroyed"); absent on bootstrapped/noop/errored. */
  resource?: Resource<S>;
  /** Previous state, on "updated". */
  old?: Resource<S>;
  /** Server error text, on "errored". */
  error?: string;
  /** Opaque resume position. */
  bookmark?: Uint8Array;
}

export interface StateClientOptions {
  logger?: Logger;
  /** Backoff for re-opening dropped watches (tests shrink it). */
  watchRetry?: Partial<WatchRetryPolicy>;
  /** Attempts of a read-modify-write before giving up on version conflicts (default 10). */
  maxConflictRetries?: number;
}

const EVENT_TYPES: Record<EventType, WatchEventType> = {
  [EventType.CREATED]: "created",
  [EventType.UPDATED]: "updated",
  [EventType.DESTROYED]: "destroyed",
  [EventType.BOOTSTRAPPED]: "bootstrapped",
  [EventType.ERRORED]: "errored",
  [EventType.NOOP]: "noop",
};

/** Codes after which re-opening a watch cannot help. */
const FATAL_WATCH_CODES: ReadonlySet<OmniErrorCode> = new Set([
  "failed_precondition",
  "unimplemented",
  "invalid",
  "permission_denied",
  "not_found",
]);

/** Raised inside the watch loop to restart the stream after an ERRORED event. */
class WatchErrored extends Error {}

/**
 * COSI State client for Omni: typed get/list/create/update/destroy/teardown/watch plus the read-modify-write
 * helpers the Go runtime offers (modify, add/remove finalizer). Every failure is an {@link OmniError}.
 *
 * @example
 * const state = new StateClient(createOmniTransport({ endpoint, key }), key.providerId);
 * const mr = await state.get(MachineRequests, "workers-x7k2q");
 * await state.addFinalizer(MachineRequests, mr.metadata.id, provisionFinalizer(key.providerId));
 */
export class StateClient {
  readonly providerId: string;
  readonly #client: Client<typeof State>;
  readonly #logger: Logger | undefined;
  readonly #retry: WatchRetryPolicy;
  readonly #maxConflictRetries: number;

  constructor(transport: Transport, providerId: string, options: StateClientOptions = {}) {
    this.providerId = providerId;
    this.#client = createClient(State, transport);
    this.#logger = options.logger;
    this.#retry = { ...DEFAULT_WATCH_RETRY, ...options.watchRetry };
    this.#maxConflictRetries = options.maxConflictRetries ?? 10;
  }

  /** Reads one resource; `not_found` when absent (or not visible to this provider). */
  async get<S>(rt: ResourceType<S>, id: string, opts: GetOptions = {}): Promise<Resource<S>> {
    return resourceFromProto(rt, await this.#getRaw(rt, id, opts.namespace ?? rt.namespace));
  }

  /** Like get, but undefined instead of `not_found`. */
  async find<S>(rt: ResourceType<S>, id: string, opts: GetOptions = {}): Promise<Resource<S> | undefined> {
    try {
      return await this.get(rt, id, opts);
    } catch (e) {
      if (isOmniError(e, "not_found")) return undefined;
      throw e;
    }
  }

  /** Lists resources of a type, optionally filtered by label queries and an ID regexp. */
  async list<S>(rt: ResourceType<S>, opts: ListOptions = {}): Promise<Resource<S>[]> {
    const namespace = opts.namespace ?? rt.namespace;
    const labelQuery = labelQueriesToProto(opts.labels ?? []);
    const out: Resource<S>[] = [];
    try {
      const stream = this.#client.list({
        namespace,
        type: rt.type,
        options: { labelQuery, ...(opts.idRegexp ? { idQuery: { regexp: opts.idRegexp } } : {}) },
      });
      for await (const msg of stream) out.push(resourceFromProto(rt, msg.resource));
    } catch (e) {
      throw toOmniError(e, "list", `list ${namespace}/${rt.type}`);
    }
    return out;
  }

  /** Creates a resource owned by `owner`; `already_exists` when it exists. Returns it as stored (version "1"). */
  async create<S>(rt: ResourceType<S>, input: ResourceInput<S>, opts: CreateOptions): Promise<Resource<S>> {
    const m = input.metadata;
    // Server-managed fields (version, created, updated) are not taken from the input.
    const metadata: Metadata = {
      ...newMetadata(rt, m.id, m.namespace || undefined),
      phase: m.phase ?? "running",
      owner: opts.owner,
      finalizers: [...(m.finalizers ?? [])],
      labels: { ...m.labels },
      annotations: { ...m.annotations },
    };
    return this.#createRaw(rt, resourceToProto(rt, { metadata, spec: input.spec }), opts.owner);
  }

  /**
   * Replaces a resource's metadata and spec. `resource.metadata.version` must be the stored version (else
   * `conflict`); the stored owner must equal `opts.owner` (else `owner_conflict`).
   */
  async update<S>(rt: ResourceType<S>, resource: Resource<S>, opts: UpdateOptions): Promise<Resource<S>> {
    const metadata = { ...resource.metadata, owner: opts.owner };
    const proto = resourceToProto(rt, { metadata, spec: resource.spec });
    return resourceFromProto(rt, await this.#updateRaw(proto, opts.owner, opts.expectedPhase));
  }

  /** Destroys a resource; `conflict` while finalizers remain. */
  async destroy<S>(rt: ResourceType<S>, id: string, opts: DestroyOptions): Promise<void> {
    const namespace = opts.namespace ?? rt.namespace;
    try {
      await this.#client.destroy({ namespace, type: rt.type, id, options: { owner: opts.owner } });
    } catch (e) {
      throw toOmniError(e, "destroy", `destroy ${describe({ namespace, type: rt.type, id })}`);
    }
  }

  /**
   * Marks a resource as tearing down and reports whether it can be destroyed (no finalizers left). Against a
   * server without the Teardown RPC, does the same with Get + Update (expected phase "running").
   */
  async teardown<S>(rt: ResourceType<S>, id: string, opts: DestroyOptions): Promise<boolean> {
    const namespace = opts.namespace ?? rt.namespace;
    const what = `teardown ${describe({ namespace, type: rt.type, id })}`;
    try {
      const res = await this.#client.teardown({ namespace, type: rt.type, id, options: { owner: opts.owner } });
      return res.destroyReady;
    } catch (e) {
      const err = toOmniError(e, "teardown", what);
      if (err.code !== "unimplemented") throw err;
    }
    return this.#retryOnConflict(what, async () => {
      const current = await this.#getRaw(rt, id, namespace);
      const md = current.metadata!;
      if (md.phase !== "tearingDown") {
        md.phase = "tearingDown";
        md.owner = opts.owner;
        const updated = await this.#updateRaw(current, opts.owner, "running");
        return (updated.metadata?.finalizers.length ?? 0) === 0;
      }
      return md.finalizers.length === 0;
    });
  }

  /**
   * Create-or-update, as the Go runtime's Modify: reads the resource; when absent builds a fresh one (`init`, then
   * `mutate`) and creates it with `owner`; otherwise mutates a copy and updates it unless nothing changed. Retries
   * version conflicts and create races.
   *
   * @example
   * await state.modify(InfraProviderHealthStatuses, providerId, { owner }, (r) => {
   *   r.spec.lastHeartbeatTimestamp = timestampNow();
   * });
   */
  async modify<S>(
    rt: ResourceType<S>,
    id: string,
    opts: ModifyOptions,
    mutate: (resource: Resource<S>) => void | Promise<void>,
    init?: (resource: Resource<S>) => void | Promise<void>,
  ): Promise<Resource<S>> {
    const namespace = opts.namespace ?? rt.namespace;
    const what = `modify ${describe({ namespace, type: rt.type, id })}`;
    return this.#retryOnConflict(what, async () => {
      const current = await this.find(rt, id, { namespace });
      if (!current) {
        const fresh: Resource<S> = { metadata: newMetadata(rt, id, namespace), spec: rt.empty() };
        await init?.(fresh);
        await mutate(fresh);
        return this.create(rt, fresh, { owner: opts.owner });
      }
      const before = rt.encode(current.spec).protoSpec;
      const beforeMeta = JSON.stringify(comparableMetadata(current.metadata));
      const next: Resource<S> = { metadata: cloneMetadata(current.metadata), spec: rt.decode(before, "") };
      await mutate(next);
      const unchanged =
        Buffer.from(rt.encode(next.spec).protoSpec).equals(Buffer.from(before)) &&
        JSON.stringify(comparableMetadata(next.metadata)) === beforeMeta;
      if (unchanged) return current;
      next.metadata.version = current.metadata.version;
      return this.update(rt, next, { owner: opts.owner, expectedPhase: opts.expectedPhase ?? "running" });
    });
  }

  /**
   * Adds a finalizer with a read-modify-write that changes nothing else (spec bytes kept as read), as the resource's
   * current owner and without an expected phase. A vanished resource or an already present finalizer is success.
   */
  async addFinalizer<S>(rt: ResourceType<S>, id: string, finalizer: string, opts: GetOptions = {}): Promise<void> {
    await this.#editFinalizers(rt, id, opts.namespace ?? rt.namespace, `add finalizer ${finalizer}`, (list) =>
      list.includes(finalizer) ? undefined : [...list, finalizer],
    );
  }

  /** Removes a finalizer (read-modify-write); an absent finalizer or a vanished resource is success. */
  async removeFinalizer<S>(rt: ResourceType<S>, id: string, finalizer: string, opts: GetOptions = {}): Promise<void> {
    await this.#editFinalizers(rt, id, opts.namespace ?? rt.namespace, `remove finalizer ${finalizer}`, (list) =>
      list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined,
    );
  }

  /**
   * Watches a kind (or one resource with `id`). Sends api_version 1, discards the empty first message and yields
   * each event. When the stream drops it is re-opened from the last bookmark with exponential backoff, giving up
   * after the policy's max elapsed time. A stream that fails before any bookmark was seen cannot be resumed: the
   * iteration throws and the caller re-watches (`bootstrapBookmark: true` yields a bookmark at once). An "errored"
   * event is yielded, then the stream is re-opened from the last bookmark. `failed_precondition` (unknown bookmark)
   * and other non-transient errors end the iteration by throwing; aborting `signal` ends it quietly.
   *
   * @example
   * for await (const ev of state.watch(MachineRequests, { bootstrapBookmark: true, aggregated: true }, signal)) {
   *   if (ev.resource) queue.add(ev.resource.metadata.id);
   * }
   */
  watch<S>(rt: ResourceType<S>, opts: WatchOptions = {}, signal?: AbortSignal): AsyncIterable<WatchEvent<S>> {
    return this.#watch(rt, opts, signal);
  }

  async *#watch<S>(rt: ResourceType<S>, opts: WatchOptions, signal?: AbortSignal): AsyncGenerator<WatchEvent<S>> {
    const namespace = opts.namespace ?? rt.namespace;
    const what = `watch ${namespace}/${rt.type}${opts.id !== undefined ? `/${opts.id}` : ""}`;
    const labelQuery = labelQueriesToProto(opts.labels ?? []);
    const backoff = new Backoff(this.#retry);
    let bookmark = opts.startFromBookmark;
    let resumed = false;
    let failingSince: number | undefined;

    while (!signal?.aborted) {
      const request = create(WatchRequestSchema, {
        namespace,
        type: rt.type,
        ...(opts.id !== undefined ? { id: opts.id } : {}),
        apiVersion: 1,
        options: {
          labelQuery,
          ...(opts.idRegexp ? { idQuery: { regexp: opts.idRegexp } } : {}),
          aggregated: opts.aggregated ?? false,
          // A resumed stream continues after the last bookmark: no bootstrap, no replay.
          bootstrapContents: resumed ? false : (opts.bootstrapContents ?? false),
          bootstrapBookmark: resumed ? false : (opts.bootstrapBookmark ?? false),
          tailEvents: resumed ? 0 : (opts.tailEvents ?? 0),
          ...(bookmark !== undefined ? { startFromBookmark: bookmark } : {}),
        },
      });
      const stream = new AbortController();
      const onAbort = () => stream.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      let failure: unknown;
      try {
        let first = true;
        for await (const response of this.#client.watch(request, { signal: stream.signal })) {
          if (first) {
            first = false;
            failingSince = undefined;
            backoff.reset();
            if (response.event.length === 0) continue;
          }
          for (const raw of response.event) {
            const event = convertEvent(rt, raw);
            if (raw.bookmark !== undefined) bookmark = raw.bookmark;
            yield event;
            if (event.type === "errored") throw new WatchErrored(event.error ?? "watch errored");
          }
        }
        failure = new OmniError("unavailable", `${what}: stream closed by the server`);
      } catch (e) {
        failure = e;
      } finally {
        signal?.removeEventListener("abort", onAbort);
        stream.abort();
      }
      if (signal?.aborted) return;
      if (failure instanceof OmniError && failure.grpcCode === undefined && !(failure.code === "unavailable")) {
        throw failure; // a local failure such as an undecodable spec: retrying would repeat it
      }
      const err =
        failure instanceof WatchErrored
          ? new OmniError("unavailable", `${what}: server reported ERRORED: ${failure.message}`)
          : toOmniError(failure, "watch", what);
      if (FATAL_WATCH_CODES.has(err.code) || bookmark === undefined) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > this.#retry.maxElapsedMs) throw err;
      const delay = backoff.next();
      this.#logger?.warn({ err: err.message, retryInMs: Math.round(delay) }, "Omni watch dropped; resuming");
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
      resumed = true;
    }
  }

  async #getRaw(rt: { type: string }, id: string, namespace: string): Promise<ProtoResource> {
    try {
      const res = await this.#client.get({ namespace, type: rt.type, id });
      if (!res.resource?.metadata) throw new OmniError("internal", `get ${namespace}/${rt.type}/${id}: empty answer`);
      return res.resource;
    } catch (e) {
      throw toOmniError(e, "get", `get ${describe({ namespace, type: rt.type, id })}`);
    }
  }

  async #createRaw<S>(rt: ResourceType<S>, resource: ProtoResource, owner: string): Promise<Resource<S>> {
    try {
      const res = await this.#client.create({ resource, options: { owner } });
      return resourceFromProto(rt, res.resource);
    } catch (e) {
      throw toOmniError(e, "create", `create ${describe(resource.metadata!)}`);
    }
  }

  async #updateRaw(resource: ProtoResource, owner: string, expectedPhase?: Phase): Promise<ProtoResource> {
    const kind: OmniCallKind = "update";
    try {
      const res = await this.#client.update({
        newResource: resource,
        options: { owner, ...(expectedPhase !== undefined ? { expectedPhase } : {}) },
      });
      if (!res.resource) throw new OmniError("internal", `update ${describe(resource.metadata!)}: empty answer`);
      return res.resource;
    } catch (e) {
      throw toOmniError(e, kind, `update ${describe(resource.metadata!)}`);
    }
  }

  async #editFinalizers(
    rt: { type: string },
    id: string,
    namespace: string,
    what: string,
    edit: (current: string[]) => string[] | undefined,
  ): Promise<void> {
    const label = `${what} on ${describe({ namespace, type: rt.type, id })}`;
    await this.#retryOnConflict(label, async () => {
      let current: ProtoResource;
      try {
        current = await this.#getRaw(rt, id, namespace);
      } catch (e) {
        if (isOmniError(e, "not_found")) return;
        throw e;
      }
      const md = current.metadata!;
      const next = edit(md.finalizers);
      if (next === undefined) return;
      md.finalizers = next;
      try {
        await this.#updateRaw(current, md.owner);
      } catch (e) {
        if (isOmniError(e, "not_found")) return;
        throw e;
      }
    });
  }

  /** Runs a read-modify-write, retrying on version conflicts and create races. */
  async #retryOnConflict<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        const retryable = isOmniError(e, "conflict") || isOmniError(e, "already_exists");
        if (!retryable || i >= this.#maxConflictRetries) {
          if (retryable) {
            throw new OmniError("conflict", `${what}: still conflicting after ${i} attempts`, { cause: e });
          }
          throw e;
        }
      }
    }
  }
}

function comparableMetadata(md: Metadata): unknown {
  const sorted = (o: Record<string, string>) =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return [md.owner, md.phase, md.finalizers, sorted(md.labels), sorted(md.annotations)];
}

function convertEvent<S>(rt: ResourceType<S>, raw: ProtoEvent): WatchEvent<S> {
  const type = EVENT_TYPES[raw.eventType] ?? "noop";
  const event: WatchEvent<S> = { type };
  if (raw.bookmark !== undefined) event.bookmark = raw.bookmark;
  if (type === "errored") {
    event.error = raw.error ?? "";
    return event;
  }
  if (type === "created" || type === "updated" || type === "destroyed") {
    event.resource = resourceFromProto(rt, raw.resource);
    if (type === "updated" && raw.old?.metadata) event.old = resourceFromProto(rt, raw.old);
  }
  return event;
}
