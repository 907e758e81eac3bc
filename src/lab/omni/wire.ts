/**
 * Conversion between the generated `cosi.resource` messages and the simulator's resource model, with the
 * parse rules of protocol notes §3.2 (versions "undefined" or decimal, phases exactly running/tearingDown,
 * metadata and spec both required).
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ResourceSchema,
  type LabelQuery as WireLabelQuery,
  type Resource as WireResource,
} from "../../omni/gen/v1alpha1/resource_pb.js";
import { EventSchema, EventType, type Event as WireEvent } from "../../omni/gen/v1alpha1/state_pb.js";
import { simError } from "./errors.ts";
import type { Phase, Resource } from "./model.ts";
import type { LabelQuery } from "./query.ts";
import type { WatchEvent } from "./watch.ts";

export function fromWireResource(wire: WireResource | undefined): Resource {
  if (!wire?.metadata) throw simError("unknown", "metadata is missing");
  if (!wire.spec) throw simError("unknown", "spec is missing");
  const m = wire.metadata;
  return {
    metadata: {
      namespace: m.namespace,
      type: m.type,
      id: m.id,
      version: parseVersion(m.version),
      owner: m.owner,
      phase: parsePhase(m.phase),
      created: 0,
      updated: 0,
      finalizers: [...m.finalizers],
      labels: { ...m.labels },
      annotations: { ...m.annotations },
    },
    spec: { protoSpec: new Uint8Array(wire.spec.protoSpec), yamlSpec: wire.spec.yamlSpec },
  };
}

export function toWireResource(resource: Resource): WireResource {
  const m = resource.metadata;
  return create(ResourceSchema, {
    metadata: {
      namespace: m.namespace,
      type: m.type,
      id: m.id,
      version: m.version === 0 ? "undefined" : String(m.version),
      owner: m.owner,
      phase: m.phase,
      created: timestampFromMs(m.created),
      updated: timestampFromMs(m.updated),
      finalizers: [...m.finalizers],
      labels: { ...m.labels },
      annotations: { ...m.annotations },
    },
    spec: { protoSpec: resource.spec.protoSpec, yamlSpec: resource.spec.yamlSpec },
  });
}

export function fromWireLabelQueries(queries: WireLabelQuery[]): LabelQuery[] {
  return queries.map((q) => ({
    terms: q.terms.map((t) => ({ key: t.key, op: t.op, value: [...t.value], invert: t.invert })),
  }));
}

const EVENT_TYPE: Record<WatchEvent["type"], EventType> = {
  created: EventType.CREATED,
  updated: EventType.UPDATED,
  destroyed: EventType.DESTROYED,
  bootstrapped: EventType.BOOTSTRAPPED,
  errored: EventType.ERRORED,
  noop: EventType.NOOP,
};

export function toWireEvent(event: WatchEvent): WireEvent {
  return create(EventSchema, {
    resource: toWireResource(event.resource),
    eventType: EVENT_TYPE[event.type],
    ...(event.old ? { old: toWireResource(event.old) } : {}),
    ...(event.error !== undefined ? { error: event.error } : {}),
    ...(event.bookmark ? { bookmark: event.bookmark } : {}),
  });
}

export function parsePhase(text: string): Phase {
  if (text === "running" || text === "tearingDown") return text;
  throw simError("unknown", `unknown phase ${JSON.stringify(text)}: must be "running" or "tearingDown"`);
}

function parseVersion(text: string): number {
  if (text === "undefined") return 0;
  if (!/^\d+$/.test(text)) {
    throw simError("unknown", `error parsing version ${JSON.stringify(text)}: send "undefined" or a decimal version`);
  }
  return Number(text);
}
