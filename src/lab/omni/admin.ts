/**
 * In-process admin access to the simulator's state for tests and the lab: plain CRUD as Omni itself (no
 * signature, no provider rules), plus the Omni-side actions a lab scenario drives: creating and tearing
 * down MachineRequests, and a machine joining with a join token.
 */
import { randomInt } from "node:crypto";
import { scrubSecrets } from "../../observability/secrets.ts";
import { extractJoinToken, JoinTokenError, parseJoinToken, signatureMatches } from "./jointoken.ts";
import { LABEL, NS, newResource, type Phase, type Resource, type ResourceInput, TYPE } from "./model.ts";
import { machineUuidOf, type OmniReactor } from "./reactions.ts";
import { defaultJoinToken, providerJoinToken } from "./seeds.ts";
import { encodeMachineRequestSpec, type MachineRequestSpecFields } from "./specs.ts";
import type { ResourceStore, StoreListener } from "./store.ts";
import { validateCreate, validateUpdate } from "./validation.ts";
import { openWatch, type WatchRequestSpec, type WatchStream } from "./watch.ts";

export interface MachineRequestInput extends Partial<MachineRequestSpecFields> {
  providerId: string;
  /** Default `<requestSetId>-<6 random chars>` as Omni names them. */
  id?: string;
  /** Default `lab-workers`. */
  requestSetId?: string;
  labels?: Record<string, string>;
}

export interface MachineJoin {
  machineUuid: string;
  /** One of: the token itself, the kernel args, or the join config documents the machine booted with. */
  joinToken?: string;
  kernelArgs?: string[] | string;
  joinConfig?: string;
}

export interface OmniAdmin {
  get(namespace: string, type: string, id: string): Resource | undefined;
  list(namespace: string, type: string): Resource[];
  create(input: ResourceInput, owner?: string): Resource;
  /** Update as Omni would; `owner` defaults to the stored owner. */
  update(resource: Resource, options?: { owner?: string; expectedPhase?: Phase }): Resource;
  destroy(namespace: string, type: string, id: string, owner?: string): void;
  teardown(namespace: string, type: string, id: string, owner?: string): boolean;
  /** Every committed change, synchronously, in order. */
  subscribe(listener: StoreListener): () => void;
  /** A watch exactly as the gRPC service runs it, without the wire. */
  watch(spec: Partial<WatchRequestSpec> & { namespace: string; type: string }, maxQueue?: number): WatchStream;
  createMachineRequest(input: MachineRequestInput): Resource;
  /** What Omni does on scale-down: phase tearingDown; destroyed once the provider drops its finalizer. */
  tearDownMachineRequest(id: string): void;
  /** A machine booted and reached SideroLink: validates its token, creates `InfraMachineRegistrations/<uuid>`. */
  machineJoined(join: MachineJoin): Resource;
  /** Wait until Omni-side reactions triggered so far have run. */
  settle(): Promise<void>;
  readonly revision: number;
}

const REQUEST_ID_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function createAdmin(store: ResourceStore, reactor: () => OmniReactor): OmniAdmin {
  const ownerOf = (namespace: string, type: string, id: string) => store.get(namespace, type, id)?.metadata.owner ?? "";
  return {
    get: (namespace, type, id) => store.get(namespace, type, id),
    list: (namespace, type) => store.list(namespace, type),
    create(input, owner = input.owner ?? "") {
      const resource = newResource(input);
      validateCreate(resource);
      return store.create(resource, owner);
    },
    update(resource, options = {}) {
      const m = resource.metadata;
      validateUpdate(resource, store.get(m.namespace, m.type, m.id));
      return store.update(resource, {
        owner: options.owner ?? ownerOf(m.namespace, m.type, m.id),
        ...(options.expectedPhase ? { expectedPhase: options.expectedPhase } : {}),
      });
    },
    destroy: (namespace, type, id, owner) => store.destroy(namespace, type, id, owner ?? ownerOf(namespace, type, id)),
    teardown: (namespace, type, id, owner) =>
      store.teardown(namespace, type, id, owner ?? ownerOf(namespace, type, id)),
    subscribe: (listener) => store.subscribe(listener),
    watch: (spec, maxQueue) =>
      openWatch(
        store,
        {
          bootstrapContents: false,
          bootstrapBookmark: false,
          tailEvents: 0,
          query: { labelQueries: [], idRegexp: "" },
          aggregated: false,
          apiVersion: 1,
          ...spec,
        },
        maxQueue === undefined ? {} : { maxQueue },
      ),
    createMachineRequest(input) {
      const setId = input.requestSetId ?? "lab-workers";
      const id =
        input.id ??
        `${setId}-${Array.from({ length: 6 }, () => REQUEST_ID_ALPHABET[randomInt(REQUEST_ID_ALPHABET.length)]).join("")}`;
      const resource = newResource({
        namespace: NS.infra,
        type: TYPE.machineRequest,
        id,
        labels: { [LABEL.infraProviderId]: input.providerId, [LABEL.machineRequestSet]: setId, ...input.labels },
        protoSpec: encodeMachineRequestSpec({ talosVersion: "1.13.8", ...input }),
      });
      validateCreate(resource);
      return store.create(resource, "");
    },
    tearDownMachineRequest(id) {
      store.teardown(NS.infra, TYPE.machineRequest, id, ownerOf(NS.infra, TYPE.machineRequest, id));
    },
    machineJoined(join) {
      const labels = joinLabels(store, join);
      if (!labels[LABEL.machineRequest]) {
        const status = store
          .list(NS.infra, TYPE.machineRequestStatus)
          .find((s) => machineUuidOf(s.spec.protoSpec) === join.machineUuid);
        if (status) {
          labels[LABEL.machineRequest] = status.metadata.id;
          const set = store.get(NS.infra, TYPE.machineRequest, status.metadata.id)?.metadata.labels[
            LABEL.machineRequestSet
          ];
          if (set) labels[LABEL.machineRequestSet] = set;
        }
      }
      const existing = store.get(NS.infra, TYPE.machineRegistration, join.machineUuid);
      if (existing) {
        existing.metadata.labels = { ...existing.metadata.labels, ...labels };
        return store.update(existing, { owner: existing.metadata.owner });
      }
      return store.create(
        newResource({ namespace: NS.infra, type: TYPE.machineRegistration, id: join.machineUuid, labels }),
        "",
      );
    },
    settle: () => reactor().settle(),
    get revision() {
      return store.revision;
    },
  };
}

/** Validate the join token a machine presented; the labels its registration gets. */
function joinLabels(store: ResourceStore, join: MachineJoin): Record<string, string> {
  const token = extractJoinToken(join);
  const parsed = parseJoinToken(token);
  const invalid = (why: string) =>
    new JoinTokenError("join_token_invalid", scrubSecrets(`join token rejected: ${why}`));
  if (parsed.version === "plain") {
    const provider = store
      .list(NS.infra, TYPE.providerJoinConfig)
      .find((c) => providerJoinToken(store, c.metadata.id) === parsed.plain);
    if (provider) return { [LABEL.infraProviderId]: provider.metadata.id };
    if (parsed.plain === defaultJoinToken(store)) return {};
    throw invalid("it matches neither a provider's join token nor the default join token");
  }
  const providerId = parsed.extraData[LABEL.infraProviderId];
  let key: string;
  if (parsed.version === "v2") {
    if (!providerId) throw invalid(`v2 token lacks ${LABEL.infraProviderId} in its extra data`);
    key = providerJoinToken(store, providerId);
    if (!key) throw invalid(`provider "${providerId}" has no ProviderJoinConfig`);
  } else {
    key = defaultJoinToken(store);
  }
  if (!signatureMatches(parsed, key)) throw invalid(`signature does not match the ${parsed.version} signing token`);
  const labels: Record<string, string> = {};
  for (const name of [LABEL.infraProviderId, LABEL.machineRequest]) {
    const value = parsed.extraData[name];
    if (value) labels[name] = value;
  }
  return labels;
}
