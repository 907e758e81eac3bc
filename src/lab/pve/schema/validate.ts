import { checkNamedFormat, compilePattern, propertyFormatOf } from "./formats.ts";
import { matchEndpoint } from "./load.ts";
import type { ApiEndpoint, ApiSchema, ParamValue, SchemaProperty, Violation, ViolationCode } from "./types.ts";

/** Messages as pve-common JSONSchema.pm words them (clients show them to users verbatim). */
export const MSG = {
  unknown: "property is not defined in schema and the schema does not allow additional properties",
  missing: "property is missing and it is not optional",
} as const;

interface Issue {
  code: ViolationCode;
  message: string;
}

/**
 * Validates one request against the schema: the endpoint must exist; every parameter (path placeholders,
 * query and body merged) must be declared, well-typed, within enum/pattern/format/range/length limits, and
 * property strings must parse with known sub-keys of the right types. Returns [] when the request is valid.
 *
 * @example
 * const v = validateRequest(schema, "POST", "/api2/json/nodes/pve1/qemu", { vmid: 101, scsi0: "local-lvm:32,bogus=1" });
 * // [{ param: "scsi0", code: "property_string", message: "invalid format - invalid key in comma-separated list property: bogus\n" }]
 */
export function validateRequest(
  schema: ApiSchema,
  method: string,
  path: string,
  params: Readonly<Record<string, ParamValue | undefined>>,
): Violation[] {
  const match = matchEndpoint(schema, method.toUpperCase(), path);
  if (!match) {
    const bare = path.split("?")[0] ?? path;
    return [
      { param: "", code: "unknown_endpoint", message: `Method '${method.toUpperCase()} ${bare}' not implemented` },
    ];
  }
  const merged: Record<string, ParamValue | undefined> = { ...params };
  for (const [k, v] of Object.entries(match.pathParams)) if (merged[k] === undefined) merged[k] = v;
  return validateParams(match.endpoint, merged);
}

/** Validates already-merged parameters against one endpoint's parameter schema. */
export function validateParams(
  endpoint: ApiEndpoint,
  params: Readonly<Record<string, ParamValue | undefined>>,
): Violation[] {
  const out: Violation[] = [];
  const props = endpoint.info.parameters?.properties ?? {};
  const allowExtra = Boolean(endpoint.info.parameters?.additionalProperties);
  const present = new Set<string>();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || name === "_dc") continue;
    present.add(name);
    const prop = lookupProperty(props, name);
    if (!prop) {
      if (!allowExtra) out.push({ param: name, code: "unknown_parameter", message: MSG.unknown });
      continue;
    }
    const issue = checkValue(prop, value);
    if (issue) out.push({ param: name, ...issue });
  }
  for (const [name, prop] of Object.entries(props)) {
    if (name.endsWith("[n]")) continue;
    if (!isOptional(prop) && !present.has(name)) {
      out.push({ param: name, code: "missing_parameter", message: MSG.missing });
    }
    if (prop.requires && present.has(name) && !present.has(prop.requires)) {
      out.push({
        param: prop.requires,
        code: "requires",
        message: `missing property - '${name}' requires this property`,
      });
    }
  }
  return out;
}

/** Finds the schema property for a parameter name, expanding indexed keys (`scsi7` → `scsi[n]`). */
export function lookupProperty(props: Record<string, SchemaProperty>, name: string): SchemaProperty | undefined {
  const direct = props[name];
  if (direct) return direct;
  const m = /^([a-z][a-z_-]*?)(\d+)$/i.exec(name);
  if (!m) return undefined;
  const indexed = props[`${m[1]}[n]`];
  if (!indexed) return undefined;
  const index = Number(m[2]);
  if (String(index) !== m[2]) return undefined;
  // The committed facts carry the range; the full schema only says it in prose ("n is 0 to 30").
  const range = /n is (\d+) to (\d+)/.exec(indexed.description ?? "");
  const max = indexed.indexMax ?? (range ? Number(range[2]) : 31);
  return index <= max ? indexed : undefined;
}

function isOptional(prop: SchemaProperty): boolean {
  return Boolean(prop.optional);
}

/** Stringifies a received value the way Perl sees it (JSON booleans become 1/0). */
function asText(value: ParamValue): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** Checks one top-level value against its property schema. */
export function checkValue(prop: SchemaProperty, value: ParamValue): Issue | undefined {
  const type = prop.type ?? "string";
  if (type === "array") {
    const items = Array.isArray(value) ? (value as ParamValue[]) : [value];
    for (const item of items) {
      const issue = prop.items ? checkValue(prop.items, item) : undefined;
      if (issue) return issue;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    // Legacy list normalisation: a JSON array for a *-list string is joined with commas.
    if (Array.isArray(value) && typeof prop.format === "string" && prop.format.endsWith("-list")) {
      return checkScalar(prop, (value as ParamValue[]).map(asText).join(","), false);
    }
    return { code: "type", message: `type check ('${type}') failed - got ${Array.isArray(value) ? "ARRAY" : "HASH"}` };
  }
  if (type === "boolean") {
    if (value === true || value === false || value === 0 || value === 1 || value === "0" || value === "1") {
      return undefined;
    }
    return { code: "type", message: `type check ('boolean') failed - got '${asText(value)}'` };
  }
  if ((type === "integer" || type === "number") && typeof value === "boolean") {
    return { code: "type", message: `type check ('${type}') failed - got '${asText(value)}'` };
  }
  return checkScalar(prop, asText(value), false);
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/** Checks a textual value (top-level or a property-string sub-key). */
function checkScalar(prop: SchemaProperty, text: string, insidePropertyString: boolean): Issue | undefined {
  const type = prop.type ?? "string";
  if (type === "boolean") {
    const ok = insidePropertyString
      ? TRUE_WORDS.has(text.toLowerCase()) || FALSE_WORDS.has(text.toLowerCase())
      : text === "0" || text === "1";
    return ok ? undefined : { code: "type", message: `type check ('boolean') failed - got '${text}'` };
  }
  if (type === "integer" || type === "number") {
    if (!(type === "integer" ? INTEGER : NUMBER).test(text)) {
      return { code: "type", message: `type check ('${type}') failed - got '${text}'` };
    }
    const n = Number(text);
    if (prop.minimum !== undefined && n < prop.minimum) {
      return { code: "range", message: `value must have a minimum value of ${prop.minimum}` };
    }
    if (prop.maximum !== undefined && n > prop.maximum) {
      return { code: "range", message: `value must have a maximum value of ${prop.maximum}` };
    }
    if (typeof prop.format === "string") {
      const err = checkNamedFormat(prop.format, text);
      if (err) return { code: "format", message: err };
    }
    return undefined;
  }
  if (prop.maxLength !== undefined && text.length > prop.maxLength) {
    return { code: "length", message: `value may only be ${prop.maxLength} characters long` };
  }
  if (prop.minLength !== undefined && text.length < prop.minLength) {
    return { code: "length", message: `value must be at least ${prop.minLength} characters long` };
  }
  if (Array.isArray(prop.enum) && !prop.enum.includes(text)) {
    return {
      code: "enum",
      message: `value '${text}' does not have a value in the enumeration '${prop.enum.join(", ")}'`,
    };
  }
  if (prop.pattern && !compilePattern(prop.pattern).test(text)) {
    return { code: "pattern", message: "value does not match the regex pattern" };
  }
  const subKeys = propertyFormatOf(prop);
  if (subKeys) {
    const parsed = parsePropertyString(subKeys, text);
    return parsed.ok ? undefined : { code: "property_string", message: `invalid format - ${parsed.error}\n` };
  }
  if (typeof prop.format === "string") {
    const err = checkNamedFormat(prop.format, text);
    if (err) return { code: "format", message: insidePropertyString ? err : `invalid format - ${err}\n` };
  }
  return undefined;
}

export type PropertyStringResult =
  | { ok: true; values: Record<string, string>; order: string[] }
  | { ok: false; error: string };

/** Splits on commas outside double quotes (PVE allows quoted values such as `"a,b"`). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\\" && quoted && i + 1 < text.length) {
      current += text[++i];
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === "," && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.filter((p) => p.length > 0);
}

/**
 * Parses a property string (`local-lvm:32,ssd=1`) against its sub-key map the way PVE does: optional
 * default key, aliases (`volume` → `file`, net `virtio=MAC` → model+macaddr), unknown/duplicate keys
 * rejected, then every sub-key type-checked and required sub-keys enforced.
 *
 * @example
 * parsePropertyString(scsiFormat, "local-lvm:32,ssd=1"); // { ok: true, values: { file: "local-lvm:32", ssd: "1" }, … }
 */
export function parsePropertyString(format: Record<string, SchemaProperty>, text: string): PropertyStringResult {
  const values: Record<string, string> = {};
  const order: string[] = [];
  const defaultKey = Object.entries(format).find(([, p]) => p.default_key)?.[0];
  const set = (key: string, value: string): string | undefined => {
    if (key in values) return `duplicate key in comma-separated list property: ${key}`;
    values[key] = value;
    order.push(key);
    return undefined;
  };
  for (const part of splitTopLevel(text)) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (!defaultKey) return { ok: false, error: "value without key, but schema does not define a default key" };
      const err = set(defaultKey, part);
      if (err) return { ok: false, error: err };
      continue;
    }
    let key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    const sub = format[key];
    if (!sub) return { ok: false, error: `invalid key in comma-separated list property: ${key}` };
    if (sub.alias) {
      if (sub.keyAlias) {
        const err = set(sub.keyAlias, key);
        if (err) return { ok: false, error: err };
      }
      key = sub.alias;
    }
    const err = set(key, value);
    if (err) return { ok: false, error: err };
  }
  for (const [key, value] of Object.entries(values)) {
    const sub = format[key];
    if (!sub) return { ok: false, error: `invalid key in comma-separated list property: ${key}` };
    const issue = checkScalar(sub, value, true);
    if (issue) return { ok: false, error: `${key}: ${issue.message.replace(/\n$/, "")}` };
  }
  for (const [key, sub] of Object.entries(format)) {
    if (sub.alias) continue;
    if (!sub.optional && !(key in values)) return { ok: false, error: `${key}: ${MSG.missing}` };
  }
  return { ok: true, values, order };
}

/** True for the property-string boolean spellings PVE accepts as true (1, yes, on, true). */
export function propertyBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return undefined;
}
