/**
 * The `cosi.resource.State` gRPC service: authenticates each call, applies Omni's provider rules
 * (access.ts) and MachineRequest validation, then the COSI semantics of the store.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  CreateResponseSchema,
  DestroyResponseSchema,
  GetResponseSchema,
  ListResponseSchema,
  type State,
  TeardownAndDestroyResponseSchema,
  TeardownResponseSchema,
  UpdateResponseSchema,
  WatchResponseSchema,
} from "../../omni/gen/v1alpha1/state_pb.js";
import { admitCreate, admitDestroy, admitUpdate, authorize, notFound, type Policy, visibleUnder } from "./access.ts";
import type { Caller } from "./auth.ts";
import { toConnectError } from "./errors.ts";
import type { Phase } from "./model.ts";
import { compileQuery } from "./query.ts";
import type { ResourceStore } from "./store.ts";
import { validateCreate, validateUpdate } from "./validation.ts";
import { openWatch } from "./watch.ts";
import { fromWireLabelQueries, fromWireResource, parsePhase, toWireEvent, toWireResource } from "./wire.ts";

export interface ServiceDeps {
  store: ResourceStore;
  /** Resolve the caller of a call (signature check); throws on failure. */
  authenticate(ctx: HandlerContext): Promise<Caller>;
  /** Pending events a watcher may lag before ERRORED. */
  watchQueueLimit: number;
}

/** Runs a unary handler body, mapping simulator errors to gRPC statuses. */
async function guarded<T>(body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toConnectError(error);
  }
}

export function createStateService(deps: ServiceDeps): ServiceImpl<typeof State> {
  const { store } = deps;

  const teardownAs = (caller: Caller, namespace: string, type: string, id: string, owner: string): boolean => {
    const policy = authorize(caller, namespace, type, "destroy", store);
    const stored = store.get(namespace, type, id);
    admitDestroy(policy, stored, namespace, type, id);
    if (!stored) throw notFound(namespace, type, id);
    return store.teardown(namespace, type, id, owner);
  };

  return {
    get: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const policy = authorize(caller, req.namespace, req.type, "read", store);
        const found = store.get(req.namespace, req.type, req.id);
        if (!found || !visibleUnder(policy, found)) throw notFound(req.namespace, req.type, req.id);
        return create(GetResponseSchema, { resource: toWireResource(found) });
      }),

    async *list(req, ctx) {
      let policy: Policy;
      let matches: ReturnType<typeof compileQuery>;
      try {
        const caller = await deps.authenticate(ctx);
        policy = authorize(caller, req.namespace, req.type, "read", store);
        matches = compileQuery({
          labelQueries: fromWireLabelQueries(req.options?.labelQuery ?? []),
          idRegexp: req.options?.idQuery?.regexp ?? "",
        });
      } catch (error) {
        throw toConnectError(error);
      }
      for (const r of store.list(req.namespace, req.type)) {
        if (matches(r) && visibleUnder(policy, r)) yield create(ListResponseSchema, { resource: toWireResource(r) });
      }
    },

    create: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const resource = fromWireResource(req.resource);
        const m = resource.metadata;
        const policy = authorize(caller, m.namespace, m.type, "create", store);
        admitCreate(policy, resource);
        validateCreate(resource);
        const stored = store.create(resource, req.options?.owner ?? "");
        return create(CreateResponseSchema, { resource: toWireResource(stored) });
      }),

    update: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const resource = fromWireResource(req.newResource);
        const m = resource.metadata;
        const policy = authorize(caller, m.namespace, m.type, "update", store);
        const stored = store.get(m.namespace, m.type, m.id);
        admitUpdate(policy, resource, stored);
        validateUpdate(resource, stored);
        const expected = req.options?.expectedPhase;
        const expectedPhase: Phase | undefined = expected === undefined ? undefined : parsePhase(expected);
        const updated = store.update(resource, {
          owner: req.options?.owner ?? "",
          ...(expectedPhase ? { expectedPhase } : {}),
        });
        return create(UpdateResponseSchema, { resource: toWireResource(updated) });
      }),

    destroy: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const policy = authorize(caller, req.namespace, req.type, "destroy", store);
        admitDestroy(policy, store.get(req.namespace, req.type, req.id), req.namespace, req.type, req.id);
        store.destroy(req.namespace, req.type, req.id, req.options?.owner ?? "");
        return create(DestroyResponseSchema, {});
      }),

    teardown: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const ready = teardownAs(caller, req.namespace, req.type, req.id, req.options?.owner ?? "");
        return create(TeardownResponseSchema, { destroyReady: ready });
      }),

    teardownAndDestroy: (req, ctx) =>
      guarded(async () => {
        const caller = await deps.authenticate(ctx);
        const owner = req.options?.owner ?? "";
        if (!teardownAs(caller, req.namespace, req.type, req.id, owner)) {
          await untilFinalizersGone(store, req.namespace, req.type, req.id, ctx.signal);
        }
        if (store.get(req.namespace, req.type, req.id)) store.destroy(req.namespace, req.type, req.id, owner);
        return create(TeardownAndDestroyResponseSchema, {});
      }),

    async *watch(req, ctx) {
      let stream: ReturnType<typeof openWatch>;
      try {
        const caller = await deps.authenticate(ctx);
        const policy = authorize(caller, req.namespace, req.type, "read", store);
        const o = req.options;
        stream = openWatch(
          store,
          {
            namespace: req.namespace,
            type: req.type,
            ...(req.id !== undefined ? { id: req.id } : {}),
            bootstrapContents: o?.bootstrapContents ?? false,
            bootstrapBookmark: o?.bootstrapBookmark ?? false,
            tailEvents: o?.tailEvents ?? 0,
            query: { labelQueries: fromWireLabelQueries(o?.labelQuery ?? []), idRegexp: o?.idQuery?.regexp ?? "" },
            aggregated: o?.aggregated ?? false,
            ...(o?.startFromBookmark !== undefined ? { startFromBookmark: o.startFromBookmark } : {}),
            apiVersion: req.apiVersion,
          },
          { visible: (r) => visibleUnder(policy, r), maxQueue: deps.watchQueueLimit },
        );
      } catch (error) {
        throw toConnectError(error);
      }
      try {
        // The empty first message tells the client the watch is established.
        yield create(WatchResponseSchema, { event: [] });
        for (;;) {
          const batch = await stream.next(ctx.signal);
          if (!batch) return;
          yield create(WatchResponseSchema, { event: batch.map(toWireEvent) });
        }
      } finally {
        stream.close();
      }
    },
  };
}

function untilFinalizersGone(
  store: ResourceStore,
  namespace: string,
  type: string,
  id: string,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const current = store.get(namespace, type, id);
      if (!current || current.metadata.finalizers.length === 0) {
        stop();
        resolve();
      }
    };
    const onAbort = () => {
      stop();
      reject(signal.reason ?? new Error("aborted"));
    };
    const unsubscribe = store.subscribe((event) => {
      const m = event.resource.metadata;
      if (m.namespace === namespace && m.type === type && m.id === id) check();
    });
    const stop = () => {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    check();
  });
}
