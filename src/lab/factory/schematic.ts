/**
 * Image-factory schematics: strict parsing of a raw schematic (YAML or JSON), the canonical YAML text the
 * factory hashes, and the schematic ID (lowercase hex SHA-256 of that text, protocol notes §8.3).
 *
 * The canonical form follows the factory's serializer: 4-space indentation, block sequences indented one
 * level under their key, a fixed key order, empty values omitted, an empty customization written as
 * `customization: {}`.
 */
import { createHash } from "node:crypto";
import { parse as parseYaml } from "yaml";

export interface SchematicMetaValue {
  key: number;
  value: string;
}

export interface Schematic {
  owner?: string;
  overlay?: { image?: string; name?: string; options?: Record<string, unknown> };
  customization: {
    embeddedMachineConfiguration?: string;
    extraKernelArgs?: string[];
    meta?: SchematicMetaValue[];
    systemExtensions?: { officialExtensions?: string[] };
    bootloader?: string;
    secureboot?: { enrollKeys?: boolean; includeWellKnownCertificates?: boolean };
    diskImage?: { sectorSize?: number };
  };
}

export type SchematicErrorCode = "schematic_syntax" | "schematic_unknown_key" | "schematic_invalid_value";

/** A raw schematic the factory would refuse; `path` names the offending key. */
export class SchematicError extends Error {
  readonly code: SchematicErrorCode;
  readonly path: string;
  constructor(code: SchematicErrorCode, path: string, message: string) {
    super(message);
    this.name = "SchematicError";
    this.code = code;
    this.path = path;
  }
}

type Shape = "string" | "bool" | "uint" | "strings" | "meta" | "any-map" | { [key: string]: Shape };

/** Accepted keys and value kinds; anything else is rejected like the factory's strict decoder does. */
const SCHEMA: { [key: string]: Shape } = {
  owner: "string",
  overlay: { image: "string", name: "string", options: "any-map" },
  customization: {
    embeddedMachineConfiguration: "string",
    extraKernelArgs: "strings",
    meta: "meta",
    systemExtensions: { officialExtensions: "strings" },
    bootloader: "string",
    secureboot: { enrollKeys: "bool", includeWellKnownCertificates: "bool" },
    diskImage: { sectorSize: "uint" },
  },
};

/**
 * Parse a raw schematic (YAML, or JSON which is YAML) strictly: unknown keys and wrongly typed values throw
 * {@link SchematicError}.
 *
 * @example
 * const s = parseSchematic(new TextEncoder().encode("customization:\n  extraKernelArgs: [noapic]\n"));
 * schematicId(s); // 64 hex chars
 */
export function parseSchematic(raw: Uint8Array | string): Schematic {
  const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new SchematicError(
      "schematic_syntax",
      "",
      `schematic is not valid YAML/JSON: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (doc === null || doc === undefined) doc = {};
  const checked = checkShape(doc, SCHEMA, "") as Partial<Schematic>;
  return { ...checked, customization: checked.customization ?? {} } as Schematic;
}

function checkShape(value: unknown, shape: Shape, path: string): unknown {
  const where = path || "schematic";
  if (typeof shape === "object") {
    if (value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new SchematicError("schematic_invalid_value", where, `${where} must be a mapping`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childShape = shape[key];
      const childPath = path ? `${path}.${key}` : key;
      if (childShape === undefined) {
        throw new SchematicError(
          "schematic_unknown_key",
          childPath,
          `unknown key "${childPath}" in schematic; allowed here: ${Object.keys(shape).join(", ")}`,
        );
      }
      const checked = checkShape(child, childShape, childPath);
      if (checked !== undefined) out[key] = checked;
    }
    return out;
  }
  if (value === null || value === undefined) return undefined;
  switch (shape) {
    case "string":
      if (typeof value !== "string") throw invalid(where, "a string");
      return value;
    case "bool":
      if (typeof value !== "boolean") throw invalid(where, "true or false");
      return value;
    case "uint":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
        throw invalid(where, "an unsigned integer");
      return value;
    case "strings":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw invalid(where, "a list of strings");
      return value;
    case "meta":
      if (!Array.isArray(value)) throw invalid(where, "a list of {key, value}");
      return value.map((entry, i) => checkMeta(entry, `${where}[${i}]`));
    case "any-map":
      if (typeof value !== "object" || Array.isArray(value)) throw invalid(where, "a mapping");
      return value;
  }
}

function checkMeta(entry: unknown, where: string): SchematicMetaValue {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry))
    throw invalid(where, "a {key, value} mapping");
  const record = entry as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "key" && key !== "value") {
      throw new SchematicError(
        "schematic_unknown_key",
        `${where}.${key}`,
        `unknown key "${where}.${key}" in schematic`,
      );
    }
  }
  const key = record.key ?? 0;
  if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key > 255) {
    throw invalid(`${where}.key`, "an integer 0-255 (Talos META tag)");
  }
  const value = record.value ?? "";
  if (typeof value !== "string") throw invalid(`${where}.value`, "a string");
  return { key, value };
}

function invalid(where: string, expected: string): SchematicError {
  return new SchematicError("schematic_invalid_value", where, `${where} must be ${expected}`);
}

/**
 * The canonical YAML text the image factory hashes.
 *
 * @example
 * canonicalSchematicYaml({ customization: {} }); // "customization: {}\n"
 */
export function canonicalSchematicYaml(schematic: Schematic): string {
  const c = schematic.customization ?? {};
  const overlay = schematic.overlay ?? {};
  const root: Entry[] = [
    ["owner", schematic.owner],
    [
      "overlay",
      mapping([
        ["image", overlay.image],
        ["name", overlay.name],
        ["options", sortedMap(overlay.options)],
      ]),
    ],
    [
      "customization",
      mapping(
        [
          ["embeddedMachineConfiguration", c.embeddedMachineConfiguration],
          ["extraKernelArgs", nonEmpty(c.extraKernelArgs)],
          [
            "meta",
            nonEmpty(c.meta)?.map(
              (m) =>
                mapping(
                  [
                    ["key", m.key === 0 ? undefined : m.key],
                    ["value", m.value],
                  ],
                  true,
                )!,
            ),
          ],
          ["systemExtensions", mapping([["officialExtensions", nonEmpty(c.systemExtensions?.officialExtensions)]])],
          ["bootloader", c.bootloader],
          [
            "secureboot",
            mapping([
              ["enrollKeys", c.secureboot?.enrollKeys || undefined],
              ["includeWellKnownCertificates", c.secureboot?.includeWellKnownCertificates || undefined],
            ]),
          ],
          ["diskImage", mapping([["sectorSize", c.diskImage?.sectorSize || undefined]])],
        ],
        true,
      ),
    ],
  ];
  return emitMapping(root.filter(([, v]) => v !== undefined) as [string, YamlValue][], 0);
}

/**
 * Schematic ID: lowercase hex SHA-256 of {@link canonicalSchematicYaml}.
 *
 * @example
 * schematicId({ customization: {} }); // "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"
 */
export function schematicId(schematic: Schematic): string {
  return createHash("sha256").update(canonicalSchematicYaml(schematic), "utf8").digest("hex");
}

// ---- a small emitter reproducing the factory serializer's layout for the values a schematic holds ----

type YamlValue = string | number | boolean | YamlValue[] | YamlMapping;
interface YamlMapping {
  kind: "mapping";
  entries: [string, YamlValue][];
  /** Render `{}` instead of omitting the mapping when it has no entries. */
  keepEmpty: boolean;
}
type Entry = [string, YamlValue | undefined];

function mapping(entries: Entry[], keepEmpty = false): YamlMapping | undefined {
  const kept = entries.filter(([, v]) => v !== undefined && v !== "") as [string, YamlValue][];
  if (kept.length === 0 && !keepEmpty) return undefined;
  return { kind: "mapping", entries: kept, keepEmpty };
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

function sortedMap(map: Record<string, unknown> | undefined): YamlMapping | undefined {
  if (!map) return undefined;
  const entries = Object.keys(map)
    .sort()
    .map((k) => [k, toYamlValue(map[k])] as Entry);
  return mapping(entries);
}

function toYamlValue(value: unknown): YamlValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((v) => toYamlValue(v) ?? "");
  if (typeof value === "object") {
    const m = sortedMap(value as Record<string, unknown>);
    return m ?? { kind: "mapping", entries: [], keepEmpty: true };
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

const INDENT = 4;

function isMapping(value: YamlValue): value is YamlMapping {
  return typeof value === "object" && !Array.isArray(value);
}

function emitMapping(entries: [string, YamlValue][], indent: number): string {
  let out = "";
  entries.forEach(([key, value], i) => {
    // Entries of a mapping that is itself a sequence item continue on the dash line (no leading pad).
    const pad = i === 0 && indent < 0 ? "" : " ".repeat(Math.abs(indent));
    out += `${pad}${scalar(key)}:${emitValueAfterKey(value, Math.abs(indent))}`;
  });
  return out;
}

function emitValueAfterKey(value: YamlValue, indent: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return " []\n";
    return `\n${emitSequence(value, indent + INDENT)}`;
  }
  if (isMapping(value)) {
    if (value.entries.length === 0) return " {}\n";
    return `\n${emitMapping(value.entries, indent + INDENT)}`;
  }
  if (typeof value === "string" && value.includes("\n")) return literalBlock(value, indent + INDENT);
  return ` ${scalar(value)}\n`;
}

function emitSequence(items: YamlValue[], indent: number): string {
  let out = "";
  for (const item of items) {
    const pad = " ".repeat(indent);
    if (isMapping(item) && item.entries.length > 0) {
      out += `${pad}- ${emitMapping(item.entries, -(indent + 2))}`;
    } else if (Array.isArray(item) && item.length > 0) {
      out += `${pad}-\n${emitSequence(item, indent + INDENT)}`;
    } else if (isMapping(item)) {
      out += `${pad}- {}\n`;
    } else if (Array.isArray(item)) {
      out += `${pad}- []\n`;
    } else if (typeof item === "string" && item.includes("\n")) {
      out += `${pad}-${literalBlock(item, indent + 2)}`;
    } else {
      out += `${pad}- ${scalar(item)}\n`;
    }
  }
  return out;
}

function literalBlock(text: string, indent: number): string {
  const chomp = text.endsWith("\n") ? (text.endsWith("\n\n") ? "+" : "") : "-";
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const indicator = body.startsWith(" ") ? String(INDENT) : "";
  const lines = body.split("\n").map((line) => (line === "" ? "" : " ".repeat(indent) + line));
  return ` |${indicator}${chomp}\n${lines.join("\n")}\n`;
}

/** Words a YAML reader would not take as a string (YAML 1.2 core schema plus the old 1.1 booleans). */
const NON_STRING_WORDS = new Set(
  (
    "true True TRUE false False FALSE null Null NULL ~ y Y yes Yes YES n N no No NO on On ON off Off OFF " +
    ".inf .Inf .INF -.inf -.Inf -.INF +.inf +.Inf +.INF .nan .NaN .NAN"
  ).split(" "),
);
const NUMBER_LIKE =
  /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F_]+$|^0o[0-7_]+$|^0b[01_]+$/;
const BASE60_LIKE = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;

function scalar(value: string | number | boolean | YamlValue): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") return "";
  if (value === "") return '""';
  if (NON_STRING_WORDS.has(value) || NUMBER_LIKE.test(value) || BASE60_LIKE.test(value)) return doubleQuoted(value);
  // Control characters and non-printables force the escaped double-quoted style.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting control characters is the point
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(value)) return doubleQuoted(value);
  return plainAllowed(value) ? value : `'${value.replaceAll("'", "''")}'`;
}

function plainAllowed(value: string): boolean {
  if (value.startsWith(" ") || value.endsWith(" ") || value.includes("\t")) return false;
  const first = value[0]!;
  const second = value[1];
  if ("[]{},#&*!|>'\"%@`".includes(first)) return false;
  if ("-?:".includes(first) && (second === undefined || second === " ")) return false;
  if (value.startsWith("---") || value.startsWith("...")) return false;
  if (value.includes(": ") || value.includes(" #") || value.endsWith(":")) return false;
  return true;
}

function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0").toUpperCase()}`;
    else out += ch;
  }
  return `${out}"`;
}
