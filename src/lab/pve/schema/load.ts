import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ApiEndpoint, ApiSchema, HttpMethod, SchemaNode } from "./types.ts";

/** Environment variable naming the schema file, overriding the default location. */
export const SCHEMA_ENV_VAR = "OMNI_PROXMOX_PVE_SCHEMA";

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "DELETE"];

/** Raised when the schema file is missing or unreadable; `code` lets callers branch. */
export class ApiSchemaError extends Error {
  readonly code: "schema_not_found" | "schema_invalid";
  readonly path: string;
  constructor(code: "schema_not_found" | "schema_invalid", path: string, message: string) {
    super(message);
    this.name = "ApiSchemaError";
    this.code = code;
    this.path = path;
  }
}

/**
 * `pve-api.json` beside this file: the facts of the official PVE 9.1 schema for the endpoints the simulator
 * serves, committed in the repository (and shipped in the package) so nothing outside it is read.
 */
export function defaultSchemaPath(): string {
  return fileURLToPath(new URL("./pve-api.json", import.meta.url));
}

/** The schema path to use: explicit argument, then the env var, then the default location. */
export function resolveSchemaPath(path?: string): string {
  return path ?? process.env[SCHEMA_ENV_VAR] ?? defaultSchemaPath();
}

const cache = new Map<string, ApiSchema>();

/**
 * Loads the official PVE API schema (apidata.json) and indexes its endpoints by method and path template.
 * Results are cached per path, so calling it from many tests is cheap.
 *
 * @example
 * const schema = loadApiSchema();
 * validateRequest(schema, "POST", "/nodes/pve1/qemu", { vmid: "101", bogus: "1" });
 */
export function loadApiSchema(path?: string): ApiSchema {
  const source = resolveSchemaPath(path);
  const cached = cache.get(source);
  if (cached) return cached;
  if (!existsSync(source)) {
    throw new ApiSchemaError(
      "schema_not_found",
      source,
      `Proxmox API schema not found at '${source}': restore src/lab/pve/schema/pve-api.json (npm run pve-schema -- PATH/TO/apidata.json) or set ${SCHEMA_ENV_VAR} to a schema file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(source, "utf8"));
  } catch (err) {
    throw new ApiSchemaError(
      "schema_invalid",
      source,
      `Proxmox API schema at '${source}' is not valid JSON (${(err as Error).message}); fix the file or set ${SCHEMA_ENV_VAR}`,
    );
  }
  // Either the full schema (a tree: an array of root nodes) or the extracted facts ({ endpoints: [...] }).
  const roots = Array.isArray(parsed) ? parsed : (parsed as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(roots)) {
    throw new ApiSchemaError(
      "schema_invalid",
      source,
      `Proxmox API schema at '${source}' must be apidata.json (a JSON array) or pve-api.json ({"endpoints": [...]})`,
    );
  }
  const endpoints: ApiEndpoint[] = [];
  const byKey = new Map<string, ApiEndpoint>();
  const visit = (node: SchemaNode): void => {
    for (const method of METHODS) {
      const info = node.info?.[method];
      if (!info) continue;
      const endpoint: ApiEndpoint = { method, template: node.path, segments: splitPath(node.path), info };
      endpoints.push(endpoint);
      byKey.set(`${method} ${node.path}`, endpoint);
    }
    for (const child of node.children ?? []) visit(child);
  };
  for (const root of roots as SchemaNode[]) visit(root);
  const schema: ApiSchema = { source, endpoints, byKey };
  cache.set(source, schema);
  return schema;
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

/** The API prefix clients send; paths are matched without it. */
export const API_PREFIX = "/api2/json";

export interface EndpointMatch {
  endpoint: ApiEndpoint;
  /** Placeholder values taken from the path (URI-decoded). */
  pathParams: Record<string, string>;
}

/**
 * Finds the endpoint serving `method path`. Literal segments win over placeholders; a trailing `{volume}`
 * placeholder swallows the rest of the path because PVE registers it without a fragment delimiter
 * (volume ids such as `local:iso/x.iso` arrive unescaped).
 */
export function matchEndpoint(schema: ApiSchema, method: string, path: string): EndpointMatch | undefined {
  const clean = stripPrefix(path.split("?")[0] ?? "");
  const rawSegments = splitPath(clean);
  let segments: string[];
  try {
    segments = rawSegments.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  let best: { match: EndpointMatch; literals: number } | undefined;
  for (const endpoint of schema.endpoints) {
    if (endpoint.method !== method) continue;
    const params: Record<string, string> = {};
    const tpl = endpoint.segments;
    let literals = 0;
    let ok = true;
    for (let i = 0; i < tpl.length; i++) {
      const t = tpl[i] as string;
      const s = segments[i];
      if (s === undefined) {
        ok = false;
        break;
      }
      const placeholder = /^\{(.+)\}$/.exec(t)?.[1];
      if (placeholder === undefined) {
        if (t !== s) {
          ok = false;
          break;
        }
        literals++;
      } else if (placeholder === "volume" && i === tpl.length - 1) {
        params[placeholder] = segments.slice(i).join("/");
        break;
      } else {
        params[placeholder] = s;
      }
    }
    const lastIsVolume = tpl[tpl.length - 1] === "{volume}";
    if (!ok || (!lastIsVolume && segments.length !== tpl.length) || segments.length < tpl.length) continue;
    if (!best || literals > best.literals) best = { match: { endpoint, pathParams: params }, literals };
  }
  return best?.match;
}

/** Removes the `/api2/json` prefix if present. */
export function stripPrefix(path: string): string {
  return path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) || "/" : path;
}
