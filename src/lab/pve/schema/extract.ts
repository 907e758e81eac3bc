import type { HttpMethod, SchemaMethodInfo, SchemaNode, SchemaProperty } from "./types.ts";

/**
 * Reduces the official PVE API schema (Proxmox's `apidata.json`, ~2 MB of prose and facts) to the facts
 * validation needs, for the endpoints the simulator serves: per parameter its type, format (named, or the
 * property-string sub-keys), enum, pattern, bounds, optional/default, aliases and `requires`. Descriptions
 * are dropped; the one fact only a description carries, the index range of `scsi[n]`-style keys
 * ("n is 0 to 30"), becomes `indexMax`. `scripts/pve-schema.ts` writes the result to `pve-api.json`.
 */

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "DELETE"];

/** Property fields that are facts validation uses; everything else (descriptions, titles, typetext) goes. */
const PROPERTY_FACTS = [
  "type",
  "optional",
  "default",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "default_key",
  "alias",
  "keyAlias",
  "requires",
  "instance-types",
  "type-property",
] as const;

/** Method fields the pipeline reads (token access, protected/proxied calls); names, permissions prose and returns go. */
const METHOD_FACTS = ["allowtoken", "protected", "proxyto"] as const;

/** The generated file's shape: a flat list of schema nodes without children, sorted by path. */
export interface ExtractedSchema {
  /** Where the facts come from, for readers of the committed file. */
  source: string;
  endpoints: SchemaNode[];
}

/**
 * Extracts the facts of `served` endpoints (`"METHOD /template"` keys) from the full schema tree.
 * Throws when a served endpoint is not in the schema, so a typo in a route table cannot go unnoticed.
 *
 * @example
 * const facts = extractSchemaFacts(JSON.parse(readFileSync("apidata.json", "utf8")), ["GET /version"]);
 */
export function extractSchemaFacts(roots: readonly SchemaNode[], served: Iterable<string>): ExtractedSchema {
  const wanted = new Set(served);
  const byPath = new Map<string, Partial<Record<HttpMethod, SchemaMethodInfo>>>();
  const found = new Set<string>();
  const visit = (node: SchemaNode): void => {
    for (const method of METHODS) {
      const info = node.info?.[method];
      const key = `${method} ${node.path}`;
      if (!info || !wanted.has(key)) continue;
      found.add(key);
      const methods = byPath.get(node.path) ?? {};
      methods[method] = methodFacts(info);
      byPath.set(node.path, methods);
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const root of roots) visit(root);
  const missing = [...wanted].filter((k) => !found.has(k));
  if (missing.length > 0) throw new Error(`served endpoints missing from the PVE schema: ${missing.join(", ")}`);
  const endpoints = [...byPath.keys()].sort().map((path) => ({ path, info: byPath.get(path) }));
  return { source: "Proxmox VE 9.1 API schema (apidata.json), facts only", endpoints };
}

function methodFacts(info: SchemaMethodInfo): SchemaMethodInfo {
  const out: Record<string, unknown> = {};
  for (const k of METHOD_FACTS) if (info[k] !== undefined) out[k] = info[k];
  const params = info.parameters;
  if (params) {
    const parameters: Record<string, unknown> = {};
    if (params.additionalProperties !== undefined) parameters.additionalProperties = params.additionalProperties;
    if (params.properties) parameters.properties = propertiesFacts(params.properties);
    out.parameters = parameters;
  }
  return out as SchemaMethodInfo;
}

function propertiesFacts(props: Record<string, SchemaProperty>): Record<string, SchemaProperty> {
  const out: Record<string, SchemaProperty> = {};
  for (const name of Object.keys(props).sort()) out[name] = propertyFacts(name, props[name] as SchemaProperty);
  return out;
}

function propertyFacts(name: string, prop: SchemaProperty): SchemaProperty {
  const source = prop as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of PROPERTY_FACTS) if (source[k] !== undefined) out[k] = source[k];
  if (typeof prop.format === "string") out.format = prop.format;
  else if (prop.format && typeof prop.format === "object") out.format = propertiesFacts(prop.format);
  if (prop.items) out.items = propertyFacts(`${name}[]`, prop.items);
  if (name.endsWith("[n]")) {
    const range = /n is (\d+) to (\d+)/.exec(prop.description ?? "");
    if (range) out.indexMax = Number(range[2]);
  }
  return out as SchemaProperty;
}

/** Stable text of the extracted schema (what is committed and what the freshness test compares). */
export function serializeSchemaFacts(facts: ExtractedSchema): string {
  return `${JSON.stringify(facts, null, 1)}\n`;
}
