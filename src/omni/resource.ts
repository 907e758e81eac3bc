import { create, type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { OmniError } from "./errors.ts";
import {
  MetadataSchema,
  type Metadata as ProtoMetadata,
  type Resource as ProtoResource,
  ResourceSchema,
  SpecSchema,
} from "./gen/v1alpha1/resource_pb.js";

export type Phase = "running" | "tearingDown";

/** COSI resource metadata, as plain data. */
export interface Metadata {
  namespace: string;
  type: string;
  id: string;
  /** Decimal version ("1", "2", ...) or "undefined" for a resource not yet stored. */
  version: string;
  owner: string;
  phase: Phase;
  created?: Date;
  updated?: Date;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Resource<S> {
  metadata: Metadata;
  spec: S;
}

/** How a spec travels in `cosi.resource.Spec`: `proto_spec` bytes plus a YAML rendering. */
export interface SpecCodec<S> {
  decode(protoSpec: Uint8Array, yamlSpec: string): S;
  encode(spec: S): { protoSpec: Uint8Array; yamlSpec: string };
  /** A fresh empty spec (used when creating a resource that does not exist yet). */
  empty(): S;
}

/** A resource type: its type string, default namespace, and spec codec. */
export interface ResourceType<S> extends SpecCodec<S> {
  type: string;
  namespace: string;
}

/** The spec as stored, undecoded; for types whose content we never interpret. */
export interface RawSpec {
  protoSpec: Uint8Array;
  yamlSpec: string;
}

/** Version string of a resource that has never been stored. */
export const VERSION_UNDEFINED = "undefined";

/**
 * A spec codec for a protobuf-es message: `proto_spec` carries the binary message (unknown fields are kept on a
 * decode/encode round trip), `yaml_spec` is left empty because Omni decodes `proto_spec` for the types it knows.
 *
 * @example
 * const MachineRequests = protoResourceType(MachineRequestSpecSchema, "MachineRequests.omni.sidero.dev", "infra-provider");
 */
export function protoCodec<Desc extends DescMessage>(schema: Desc): SpecCodec<MessageShape<Desc>> {
  return {
    decode: (protoSpec) => fromBinary(schema, protoSpec),
    encode: (spec) => ({ protoSpec: toBinary(schema, spec), yamlSpec: "" }),
    empty: () => create(schema),
  };
}

/** A ResourceType whose spec is a protobuf-es message. */
export function protoResourceType<Desc extends DescMessage>(
  schema: Desc,
  type: string,
  namespace: string,
): ResourceType<MessageShape<Desc>> {
  return { type, namespace, ...protoCodec(schema) };
}

/**
 * A spec codec for provider-defined specs that Omni stores opaquely: the spec is JSON, carried as UTF-8 bytes in
 * `proto_spec` and as text in `yaml_spec` (JSON is valid YAML, so Omni's tooling can render it). Decoding prefers
 * `proto_spec` and falls back to `yaml_spec`; an empty spec decodes to `empty()`.
 *
 * @example
 * const codec = jsonCodec(() => ({ vmid: 0, node: "" }));
 */
export function jsonCodec<S>(empty: () => S): SpecCodec<S> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    decode(protoSpec, yamlSpec) {
      const text = protoSpec.length > 0 ? decoder.decode(protoSpec) : yamlSpec;
      if (text.trim() === "") return empty();
      try {
        return { ...empty(), ...(JSON.parse(text) as object) } as S;
      } catch (e) {
        throw new OmniError("internal", `provider spec is not JSON (${(e as Error).message}); was it written by us?`);
      }
    },
    encode(spec) {
      const yamlSpec = JSON.stringify(spec);
      return { protoSpec: new TextEncoder().encode(yamlSpec), yamlSpec };
    },
    empty,
  };
}

/** A codec that keeps the stored spec bytes untouched (e.g. for ResourceDefinitions, listed for their IDs). */
export const rawCodec: SpecCodec<RawSpec> = {
  decode: (protoSpec, yamlSpec) => ({ protoSpec, yamlSpec }),
  encode: (spec) => spec,
  empty: () => ({ protoSpec: new Uint8Array(), yamlSpec: "" }),
};

/** A ResourceType with an arbitrary codec (e.g. `jsonCodec` or `rawCodec`). */
export function resourceType<S>(type: string, namespace: string, codec: SpecCodec<S>): ResourceType<S> {
  return { type, namespace, decode: codec.decode, encode: codec.encode, empty: codec.empty };
}

/** Fresh metadata for a resource that is about to be created. */
export function newMetadata(rt: { type: string; namespace: string }, id: string, namespace?: string): Metadata {
  return {
    namespace: namespace ?? rt.namespace,
    type: rt.type,
    id,
    version: VERSION_UNDEFINED,
    owner: "",
    phase: "running",
    finalizers: [],
    labels: {},
    annotations: {},
  };
}

/** Deep copy of metadata (dates and maps included). */
export function cloneMetadata(md: Metadata): Metadata {
  return {
    ...md,
    ...(md.created ? { created: new Date(md.created) } : {}),
    ...(md.updated ? { updated: new Date(md.updated) } : {}),
    finalizers: [...md.finalizers],
    labels: { ...md.labels },
    annotations: { ...md.annotations },
  };
}

export function metadataFromProto(md: ProtoMetadata | undefined): Metadata {
  if (!md) throw new OmniError("internal", "Omni returned a resource without metadata");
  const out: Metadata = {
    namespace: md.namespace,
    type: md.type,
    id: md.id,
    version: md.version,
    owner: md.owner,
    phase: md.phase === "tearingDown" ? "tearingDown" : "running",
    finalizers: [...md.finalizers],
    labels: { ...md.labels },
    annotations: { ...md.annotations },
  };
  if (md.created) out.created = timestampDate(md.created);
  if (md.updated) out.updated = timestampDate(md.updated);
  return out;
}

export function metadataToProto(md: Metadata): ProtoMetadata {
  return create(MetadataSchema, {
    namespace: md.namespace,
    type: md.type,
    id: md.id,
    version: md.version === "" ? VERSION_UNDEFINED : md.version,
    owner: md.owner,
    phase: md.phase,
    ...(md.created ? { created: timestampFromDate(md.created) } : {}),
    ...(md.updated ? { updated: timestampFromDate(md.updated) } : {}),
    finalizers: [...md.finalizers],
    labels: { ...md.labels },
    annotations: { ...md.annotations },
  });
}

/** Decodes a wire resource with a resource type's codec. */
export function resourceFromProto<S>(rt: SpecCodec<S>, res: ProtoResource | undefined): Resource<S> {
  if (!res) throw new OmniError("internal", "Omni returned an empty resource");
  const metadata = metadataFromProto(res.metadata);
  let spec: S;
  try {
    spec = rt.decode(res.spec?.protoSpec ?? new Uint8Array(), res.spec?.yamlSpec ?? "");
  } catch (e) {
    throw new OmniError(
      "internal",
      `cannot decode the spec of ${metadata.namespace}/${metadata.type}/${metadata.id}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { metadata, spec };
}

/** Encodes a resource for the wire with a resource type's codec. */
export function resourceToProto<S>(rt: SpecCodec<S>, res: Resource<S>): ProtoResource {
  const { protoSpec, yamlSpec } = rt.encode(res.spec);
  return create(ResourceSchema, {
    metadata: metadataToProto(res.metadata),
    spec: create(SpecSchema, { protoSpec, yamlSpec }),
  });
}

/** Human-readable resource pointer for messages: `namespace/type/id`. */
export function describe(md: { namespace: string; type: string; id: string }): string {
  return `${md.namespace}/${md.type}/${md.id}`;
}
