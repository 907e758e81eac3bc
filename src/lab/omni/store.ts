/**
 * The simulator's COSI state: resources keyed by (namespace, type, id) with the semantics of protocol notes
 * §3.5 (versions from 1, owner checks, optional expected phase, finalizer-blocked destroy, teardown), a
 * bounded history of events addressed by global revision (the bookmark space), synchronous subscribers,
 * and optional persistence in a data directory.
 */
import { simError } from "./errors.ts";
import { cloneResource, kindKey, type Phase, type Resource, resourceKey } from "./model.ts";
import {
  appendJournal,
  freshState,
  loadState,
  type PersistedState,
  type StoreEvent,
  writeSnapshot,
} from "./persistence.ts";

export type { StoreEvent, StoreEventType } from "./persistence.ts";

export interface StoreOptions {
  /** Persist here; without it the state lives in memory only. */
  dataDir?: string;
  /** Millisecond clock for created/updated stamps. */
  now?: () => number;
  /** How many past events are kept for tail_events / start_from_bookmark (default 10000). */
  historySize?: number;
}

export interface UpdateOptions {
  owner: string;
  /** When given, the stored phase must equal it. */
  expectedPhase?: Phase;
}

export type StoreListener = (event: StoreEvent) => void;

const DEFAULT_HISTORY = 10_000;

export class ResourceStore {
  readonly #dataDir: string | undefined;
  readonly #now: () => number;
  readonly #historySize: number;
  readonly #resources = new Map<string, Resource>();
  readonly #listeners = new Set<StoreListener>();
  #history: StoreEvent[] = [];
  #revision = 0;
  #storeId = "";

  constructor(options: StoreOptions = {}) {
    this.#dataDir = options.dataDir;
    this.#now = options.now ?? Date.now;
    this.#historySize = options.historySize ?? DEFAULT_HISTORY;
    this.reload();
  }

  /** Identifies this bookmark space; persisted with the data directory. */
  get storeId(): string {
    return this.#storeId;
  }

  /** Revision of the latest committed event (0 before the first). */
  get revision(): number {
    return this.#revision;
  }

  /** Oldest revision a watch can still resume after (bookmarks older than this are expired). */
  get oldestResumableRevision(): number {
    const first = this.#history[0];
    return first ? first.revision - 1 : this.#revision;
  }

  /** (Re)load from the data directory, replaying and compacting the journal. Memory-only stores keep state. */
  reload(): void {
    if (!this.#dataDir) {
      if (!this.#storeId) this.#adopt(freshState());
      return;
    }
    const { state, journalEvents } = loadState(this.#dataDir);
    this.#adopt(state);
    for (const event of journalEvents) this.#apply(event);
    writeSnapshot(this.#dataDir, this.#snapshot());
  }

  /** Write a compact snapshot (call on shutdown; the journal already makes every commit durable). */
  flush(): void {
    if (this.#dataDir) writeSnapshot(this.#dataDir, this.#snapshot());
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(namespace: string, type: string, id: string): Resource | undefined {
    const found = this.#resources.get(resourceKey(namespace, type, id));
    return found && cloneResource(found);
  }

  /** All resources of a kind, sorted by ID. */
  list(namespace: string, type: string): Resource[] {
    const prefix = `${kindKey(namespace, type)}\u0000`;
    const out: Resource[] = [];
    for (const [key, value] of this.#resources) if (key.startsWith(prefix)) out.push(cloneResource(value));
    return out.sort((a, b) => (a.metadata.id < b.metadata.id ? -1 : a.metadata.id > b.metadata.id ? 1 : 0));
  }

  /** Events with revision > `after` (oldest first), or undefined when `after` is outside the history. */
  eventsAfter(after: number): StoreEvent[] | undefined {
    if (after > this.#revision || after < this.oldestResumableRevision) return undefined;
    return this.#history.filter((e) => e.revision > after);
  }

  /** The last `count` events of one kind, oldest first. */
  tail(namespace: string, type: string, count: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = this.#history.length - 1; i >= 0 && out.length < count; i--) {
      const e = this.#history[i]!;
      if (e.resource.metadata.namespace === namespace && e.resource.metadata.type === type) out.push(e);
    }
    return out.reverse();
  }

  create(resource: Resource, owner: string): Resource {
    const m = resource.metadata;
    const key = resourceKey(m.namespace, m.type, m.id);
    if (this.#resources.has(key)) {
      throw simError("already_exists", `resource ${m.type}(${m.namespace}/${m.id}@undefined) already exists`);
    }
    if (m.owner !== "" && m.owner !== owner) {
      throw simError(
        "permission_denied",
        `resource ${m.type}(${m.namespace}/${m.id}) metadata owner "${m.owner}" does not match create owner "${owner}"`,
      );
    }
    const now = this.#now();
    const stored = cloneResource(resource);
    stored.metadata.version = 1;
    stored.metadata.owner = owner;
    stored.metadata.created = now;
    stored.metadata.updated = now;
    stored.metadata.finalizers = dedupe(stored.metadata.finalizers);
    this.#commit({ revision: this.#revision + 1, type: "created", resource: stored });
    return cloneResource(stored);
  }

  update(resource: Resource, options: UpdateOptions): Resource {
    const m = resource.metadata;
    const current = this.#mustGet(m.namespace, m.type, m.id);
    checkOwner(current, options.owner);
    if (m.version !== current.metadata.version) {
      throw simError(
        "failed_precondition",
        `resource ${describe(current)} update conflict: expected version ${m.version === 0 ? "undefined" : m.version}, actual version ${current.metadata.version}`,
      );
    }
    if (options.expectedPhase !== undefined && current.metadata.phase !== options.expectedPhase) {
      throw simError("invalid_argument", `resource ${describe(current)} is not in phase ${options.expectedPhase}`);
    }
    const stored = cloneResource(resource);
    stored.metadata.version = current.metadata.version + 1;
    stored.metadata.created = current.metadata.created;
    stored.metadata.updated = this.#now();
    stored.metadata.finalizers = dedupe(stored.metadata.finalizers);
    this.#commit({ revision: this.#revision + 1, type: "updated", resource: stored, old: current });
    return cloneResource(stored);
  }

  destroy(namespace: string, type: string, id: string, owner: string): void {
    const current = this.#mustGet(namespace, type, id);
    checkOwner(current, owner);
    if (current.metadata.finalizers.length > 0) {
      throw simError(
        "failed_precondition",
        `resource ${describe(current)} has pending finalizers [${current.metadata.finalizers.join(" ")}]`,
      );
    }
    this.#commit({ revision: this.#revision + 1, type: "destroyed", resource: cloneResource(current) });
  }

  /** Set phase tearingDown (idempotent); true when no finalizers remain (destroy_ready). */
  teardown(namespace: string, type: string, id: string, owner: string): boolean {
    const current = this.#mustGet(namespace, type, id);
    checkOwner(current, owner);
    if (current.metadata.phase !== "tearingDown") {
      const next = cloneResource(current);
      next.metadata.phase = "tearingDown";
      this.update(next, { owner });
    }
    return current.metadata.finalizers.length === 0;
  }

  #mustGet(namespace: string, type: string, id: string): Resource {
    const found = this.#resources.get(resourceKey(namespace, type, id));
    if (!found) throw simError("not_found", `resource ${type}(${namespace}/${id}@undefined) doesn't exist`);
    return cloneResource(found);
  }

  #commit(event: StoreEvent): void {
    if (this.#dataDir) appendJournal(this.#dataDir, event);
    this.#apply(event);
    for (const listener of [...this.#listeners]) listener(event);
  }

  #apply(event: StoreEvent): void {
    const m = event.resource.metadata;
    const key = resourceKey(m.namespace, m.type, m.id);
    if (event.type === "destroyed") this.#resources.delete(key);
    else this.#resources.set(key, event.resource);
    this.#revision = event.revision;
    this.#history.push(event);
    if (this.#history.length > this.#historySize) this.#history.splice(0, this.#history.length - this.#historySize);
  }

  #adopt(state: PersistedState): void {
    this.#storeId = state.storeId;
    this.#revision = state.revision;
    this.#resources.clear();
    for (const r of state.resources) {
      this.#resources.set(resourceKey(r.metadata.namespace, r.metadata.type, r.metadata.id), r);
    }
    this.#history = state.history.slice(-this.#historySize);
  }

  #snapshot(): PersistedState {
    return {
      storeId: this.#storeId,
      revision: this.#revision,
      resources: [...this.#resources.values()],
      history: this.#history,
    };
  }
}

function checkOwner(current: Resource, owner: string): void {
  if (current.metadata.owner !== owner) {
    throw simError(
      "permission_denied",
      `resource ${describe(current)} is owned by "${current.metadata.owner}", not by "${owner}"`,
    );
  }
}

function describe(r: Resource): string {
  return `${r.metadata.type}(${r.metadata.namespace}/${r.metadata.id}@${r.metadata.version})`;
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
