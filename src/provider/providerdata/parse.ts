/**
 * Parses providerdata text (YAML or JSON, as found in MachineRequestSpec.provider_data) into the
 * typed, defaulted ProviderData — or into every problem found, each naming key path, value and fix.
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { formatPath, issue, type ProviderDataIssue } from "./issues.ts";
import { checkRules, selectorIssues } from "./rules.ts";
import { type ProviderData, providerDataSchema } from "./schema.ts";
import { suggestKey } from "./suggest.ts";

/** Larger providerdata is rejected before parsing (design.md §4). */
export const MAX_PROVIDER_DATA_BYTES = 64 * 1024;

export type ParseResult =
  | { readonly ok: true; readonly data: ProviderData; readonly warnings: readonly ProviderDataIssue[] }
  | { readonly ok: false; readonly errors: readonly ProviderDataIssue[] };

type Shape = Record<string, z.ZodType>;

/** The object shape at a path of the schema (through optional/default/array wrappers). */
function shapeAt(path: readonly PropertyKey[]): Shape | undefined {
  let node: unknown = providerDataSchema;
  const unwrap = () => {
    for (;;) {
      const def = (node as { _zod?: { def?: { type?: string; innerType?: unknown } } })._zod?.def;
      if (def && (def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType)
        node = def.innerType;
      else return;
    }
  };
  unwrap();
  for (const part of path) {
    const def = (node as { _zod: { def: { type: string; shape?: Shape; element?: unknown } } })._zod.def;
    if (typeof part === "number" && def.type === "array") node = def.element;
    else if (typeof part === "string" && def.type === "object" && def.shape?.[part]) node = def.shape[part];
    else return undefined;
    unwrap();
  }
  const def = (node as { _zod: { def: { type: string; shape?: Shape } } })._zod.def;
  return def.type === "object" ? def.shape : undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a fractional number";
  return `a ${typeof value}`;
}

function expectedExample(expected: string): string {
  switch (expected) {
    case "int":
    case "number":
      return "a whole number, e.g. 4 (no quotes)";
    case "boolean":
      return "true or false (no quotes; yes/no/on/off are strings in YAML 1.2)";
    case "string":
      return 'text; quote it if YAML reads it as something else, e.g. "2"';
    case "array":
      return "a list, e.g. [a, b] or one `- item` per line";
    case "object":
      return "a mapping of keys";
    default:
      return expected;
  }
}

/** Keys users put in providerdata by mistake: Omni machine class fields and an unreleased form. */
const KNOWN_MISPLACED_KEYS: Readonly<Record<string, string>> = {
  grpctunnel: "grpctunnel is an Omni machine class field: move it to spec.autoprovision.grpctunnel",
  kernelargs:
    "kernelargs is an Omni machine class field: move it to spec.autoprovision.kernelargs, or use kernel_args here",
  metavalues: "metavalues is an Omni machine class field: move it to spec.autoprovision.metavalues",
  providerid: "providerid is an Omni machine class field: move it to spec.autoprovision.providerid",
  network:
    "a network: block was never part of a release; write flat keys network_subnet, network_gateway, network_nameservers, network_ip or network_base_ip",
};

/** Examples for the keys users most often forget. */
const REQUIRED_EXAMPLES: Readonly<Record<string, string>> = {
  memory: "memory: 4096 (MB, at least 2048)",
  disk_size: "disk_size: 40 (GB, at least 5)",
  storage_selector:
    'storage_selector: name == "local-lvm" (a CEL expression over name, storageType, availableSpace, storage.*)',
  bridge: "bridge: vmbr1",
  mapping: "mapping: <resource mapping name>",
};

function fromZodIssue(raw: unknown, zi: z.core.$ZodIssue): ProviderDataIssue[] {
  const value = valueAt(raw, zi.path);
  const path = formatPath(zi.path);
  switch (zi.code) {
    case "unrecognized_keys": {
      const valid = Object.keys(shapeAt(zi.path) ?? {});
      return zi.keys.map((key) => {
        const keyPath = formatPath([...zi.path, key]);
        const omniField = zi.path.length === 0 ? KNOWN_MISPLACED_KEYS[key] : undefined;
        const guess = suggestKey(key, valid);
        const fix = omniField ?? (guess ? `did you mean ${guess}?` : `remove it; valid keys here: ${valid.join(", ")}`);
        return issue("unknown_key", keyPath, valueAt(raw, [...zi.path, key]), "is not a known key", fix);
      });
    }
    case "invalid_type": {
      if (value === undefined) {
        const example = REQUIRED_EXAMPLES[String(zi.path.at(-1))];
        return [
          issue(
            "missing",
            path,
            undefined,
            "is required",
            example ? `add ${example}` : `set ${path} to ${expectedExample(zi.expected)}`,
          ),
        ];
      }
      const expected = zi.expected === "int" && typeof value === "number" ? "int" : zi.expected;
      return [
        issue(
          "invalid_type",
          path,
          value,
          `is ${typeName(value)}, expected ${expected}`,
          `write ${expectedExample(expected)}`,
        ),
      ];
    }
    case "too_small": {
      const min = String(zi.minimum);
      if (zi.origin === "array")
        return [issue("too_small", path, value, `needs at least ${min} item(s)`, "add items or remove the key")];
      return [issue("too_small", path, value, `is below the minimum ${min}`, `set ${path} to at least ${min}`)];
    }
    case "too_big": {
      const max = String(zi.maximum);
      if (zi.origin === "array")
        return [issue("too_big", path, value, `has more than ${max} items`, `list at most ${max}`)];
      return [issue("too_big", path, value, `is above the maximum ${max}`, `set ${path} to at most ${max}`)];
    }
    case "invalid_value":
      return [
        issue(
          "invalid_value",
          path,
          value,
          "is not an allowed value",
          `write one of ${zi.values.map((v) => JSON.stringify(v)).join(", ")}`,
        ),
      ];
    case "invalid_format":
      return [issue("invalid_value", path, value, "has the wrong format", zi.message)];
    default:
      return [issue("invalid_value", path, value, "is invalid", zi.message)];
  }
}

/** YAML reads `hugepages: 2` as a number; the Go provider (string field) takes it as "2". */
function normalize(raw: Record<string, unknown>): Record<string, unknown> {
  if (typeof raw.hugepages === "number") return { ...raw, hugepages: String(raw.hugepages) };
  return raw;
}

/**
 * Parses providerdata. Unknown keys are errors (with the nearest valid key suggested); defaults are
 * applied; CEL selectors are compiled and type-checked; static networking is validated.
 *
 * @example
 * const r = parseProviderData('cores: 4\nmemory: 16384\ndisk_size: 100\nstorage_selector: name == "vm_ssd"');
 * if (r.ok) r.data.network_bridge; // "vmbr0"
 * else for (const e of r.errors) console.log(e.message); // "memroy: 4096 is not a known key; did you mean memory?"
 */
export function parseProviderData(text: string): ParseResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_PROVIDER_DATA_BYTES) {
    return {
      ok: false,
      errors: [
        issue(
          "too_large",
          "",
          `${bytes} bytes`,
          `is larger than ${MAX_PROVIDER_DATA_BYTES} bytes`,
          "shorten it; providerdata describes one VM",
        ),
      ],
    };
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (err) {
    const detail = (err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)).replace(/:$/, "");
    return {
      ok: false,
      errors: [
        issue(
          "syntax",
          "",
          undefined,
          `is not valid YAML or JSON: ${detail}`,
          "fix the YAML syntax (indentation, quoting of values with : or #)",
        ),
      ],
    };
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return {
      ok: false,
      errors: [
        issue(
          "not_a_mapping",
          "",
          raw,
          `is ${typeName(raw)}, expected a mapping of keys`,
          "write key: value lines, e.g. cores: 4",
        ),
      ],
    };
  }
  const input = normalize(raw as Record<string, unknown>);
  const parsed = providerDataSchema.safeParse(input);
  if (!parsed.success) {
    const shapeErrors = parsed.error.issues.flatMap((zi) => fromZodIssue(input, zi));
    return { ok: false, errors: [...shapeErrors, ...selectorIssues(input)] };
  }
  const { errors, warnings } = checkRules(parsed.data);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, data: parsed.data, warnings };
}
