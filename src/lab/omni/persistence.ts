/**
 * Durable storage for the simulator's state in a data directory: a snapshot (`state.json`) plus an
 * append-only journal of events (`journal.jsonl`) written before a mutation is acknowledged. On open the
 * journal is replayed over the snapshot and compacted, so a restarted simulator resumes with the same
 * resources, versions, event history and bookmark space.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "./model.ts";

export type StoreEventType = "created" | "updated" | "destroyed";

export interface StoreEvent {
  /** Global, strictly increasing; the bookmark of this event. */
  revision: number;
  type: StoreEventType;
  /** New state (created/updated) or last state (destroyed). */
  resource: Resource;
  /** Previous state of an update. */
  old?: Resource;
}

export interface PersistedState {
  /** Random per data directory: bookmarks from another store (or a wiped one) are refused. */
  storeId: string;
  revision: number;
  resources: Resource[];
  history: StoreEvent[];
}

interface WireResource {
  metadata: Resource["metadata"];
  spec: { protoSpec: string; yamlSpec: string };
}
interface WireEvent {
  revision: number;
  type: StoreEventType;
  resource: WireResource;
  old?: WireResource;
}

const SNAPSHOT = "state.json";
const JOURNAL = "journal.jsonl";

export function freshState(): PersistedState {
  return { storeId: randomBytes(8).toString("hex"), revision: 0, resources: [], history: [] };
}

/** Read snapshot + journal from `dir` (created if missing); the caller replays `journalEvents`. */
export function loadState(dir: string): { state: PersistedState; journalEvents: StoreEvent[] } {
  mkdirSync(dir, { recursive: true });
  const snapshotPath = join(dir, SNAPSHOT);
  let state = freshState();
  if (existsSync(snapshotPath)) {
    const raw = JSON.parse(readFileSync(snapshotPath, "utf8")) as {
      storeId: string;
      revision: number;
      resources: WireResource[];
      history: WireEvent[];
    };
    state = {
      storeId: raw.storeId,
      revision: raw.revision,
      resources: raw.resources.map(fromWire),
      history: raw.history.map(eventFromWire),
    };
  }
  const journalPath = join(dir, JOURNAL);
  const journalEvents: StoreEvent[] = [];
  if (existsSync(journalPath)) {
    for (const line of readFileSync(journalPath, "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const event = eventFromWire(JSON.parse(line) as WireEvent);
        if (event.revision > state.revision) journalEvents.push(event);
      } catch {
        // A torn last line (crash mid-append) is dropped: that mutation was never acknowledged.
        break;
      }
    }
  }
  return { state, journalEvents };
}

/** Atomically replace the snapshot and empty the journal. */
export function writeSnapshot(dir: string, state: PersistedState): void {
  const body = JSON.stringify({
    storeId: state.storeId,
    revision: state.revision,
    resources: state.resources.map(toWire),
    history: state.history.map(eventToWire),
  });
  const tmp = join(dir, `${SNAPSHOT}.tmp`);
  writeFileSync(tmp, body);
  renameSync(tmp, join(dir, SNAPSHOT));
  writeFileSync(join(dir, JOURNAL), "");
}

export function appendJournal(dir: string, event: StoreEvent): void {
  appendFileSync(join(dir, JOURNAL), `${JSON.stringify(eventToWire(event))}\n`);
}

function toWire(r: Resource): WireResource {
  return {
    metadata: r.metadata,
    spec: { protoSpec: Buffer.from(r.spec.protoSpec).toString("base64"), yamlSpec: r.spec.yamlSpec },
  };
}

function fromWire(r: WireResource): Resource {
  return {
    metadata: r.metadata,
    spec: { protoSpec: new Uint8Array(Buffer.from(r.spec.protoSpec, "base64")), yamlSpec: r.spec.yamlSpec },
  };
}

function eventToWire(e: StoreEvent): WireEvent {
  return { revision: e.revision, type: e.type, resource: toWire(e.resource), ...(e.old ? { old: toWire(e.old) } : {}) };
}

function eventFromWire(e: WireEvent): StoreEvent {
  return {
    revision: e.revision,
    type: e.type,
    resource: fromWire(e.resource),
    ...(e.old ? { old: fromWire(e.old) } : {}),
  };
}
