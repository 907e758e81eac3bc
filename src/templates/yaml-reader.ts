import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import type { Diagnostic, DiagnosticCode } from "./diagnostics.ts";

/** Shared by every reader of one file: where findings go and how offsets become lines. */
interface ReaderContext {
  file: string;
  lines: LineCounter;
  diagnostics: Diagnostic[];
}

/** One YAML document of a multi-document file, with the line its content starts on. */
export interface SourceDocument {
  index: number;
  root: NodeReader;
}

/**
 * Splits `text` into documents and wraps each in a {@link NodeReader}; YAML syntax errors become
 * diagnostics (the documents that did parse are still returned).
 *
 * @example
 * const { documents, diagnostics } = readYamlDocuments("kind: Cluster\n", "t.yaml");
 * documents[0]?.root.child("kind").string(); // "Cluster"
 */
export function readYamlDocuments(
  text: string,
  file: string,
): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const context: ReaderContext = { file, lines, diagnostics: [] };
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(parsed) ? parsed : [];
  const documents: SourceDocument[] = [];
  for (const [index, doc] of list.entries()) {
    for (const error of doc.errors) {
      context.diagnostics.push({
        file,
        line: lines.linePos(error.pos[0]).line,
        severity: "error",
        path: "",
        message: `YAML syntax: ${firstLine(error.message)}`,
        code: "yaml_syntax",
      });
    }
    const contents = doc.contents as Node | null;
    // A trailing `---` with nothing after it (or a file of comments) yields an empty document: skip it.
    if (contents === null || (isScalar(contents) && contents.value === null)) continue;
    const line = contents.range ? lines.linePos(contents.range[0]).line : 1;
    documents.push({ index, root: new NodeReader(context, contents, "", line) });
  }
  return { documents, diagnostics: context.diagnostics };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

/**
 * A cursor on one YAML node that reads typed values and records findings against the node's key path
 * and line. Missing children are readers on `undefined` positioned at their parent, so callers can
 * chain `.child("a").child("b").string()` and get one precise finding.
 */
export class NodeReader {
  readonly path: string;
  readonly line: number;
  readonly #context: ReaderContext;
  readonly #node: Node | undefined;

  constructor(context: ReaderContext, node: Node | undefined, path: string, line: number) {
    this.#context = context;
    this.#node = node;
    this.path = path;
    this.line = line;
  }

  get present(): boolean {
    return this.#node !== undefined && !(isScalar(this.#node) && this.#node.value === null);
  }

  get isMapping(): boolean {
    return isMap(this.#node);
  }

  /**
   * The 1-based line where this value's own text starts: for a block scalar (`key: |`) the line after
   * the key, so positions inside embedded text (providerdata) map back to the file.
   */
  get contentLine(): number {
    const node = this.#node;
    const start = this.#lineOf(node) ?? this.line;
    if (isScalar(node) && (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED")) return start + 1;
    return start;
  }

  /** This node's path with a prefix (used to name documents, e.g. `ControlPlane`). */
  withPath(path: string): NodeReader {
    return new NodeReader(this.#context, this.#node, path, this.line);
  }

  /** Keys of a mapping, with the line of each key. */
  entries(): { key: string; line: number }[] {
    if (!isMap(this.#node)) return [];
    const out: { key: string; line: number }[] = [];
    for (const pair of this.#node.items) {
      const key = pair.key as Node | null;
      const name = isScalar(key) ? String(key.value) : "";
      out.push({ key: name, line: this.#lineOf(key) ?? this.line });
    }
    return out;
  }

  child(key: string): NodeReader {
    const path = this.path === "" ? key : `${this.path}.${key}`;
    if (!isMap(this.#node)) return new NodeReader(this.#context, undefined, path, this.line);
    for (const pair of this.#node.items) {
      const k = pair.key as Node | null;
      if (isScalar(k) && String(k.value) === key) {
        const value = (pair.value ?? undefined) as Node | undefined;
        return new NodeReader(this.#context, value, path, this.#lineOf(k) ?? this.line);
      }
    }
    return new NodeReader(this.#context, undefined, path, this.line);
  }

  items(): NodeReader[] {
    if (!isSeq(this.#node)) return [];
    return this.#node.items.map((item, i) => {
      const node = (item ?? undefined) as Node | undefined;
      return new NodeReader(this.#context, node, `${this.path}[${i}]`, this.#lineOf(node) ?? this.line);
    });
  }

  /** The plain JavaScript value (for free-form content such as inline patches). */
  toJS(): unknown {
    if (this.#node === undefined) return undefined;
    return (this.#node as { toJSON(): unknown }).toJSON();
  }

  /** A string scalar; numbers are rejected so `version: 1.10` (a float!) is caught. */
  string(options: { required?: boolean } = {}): string | undefined {
    if (!this.present) {
      if (options.required) this.error("missing_field", "is required");
      return undefined;
    }
    if (isScalar(this.#node) && typeof this.#node.value === "string") return this.#node.value;
    this.error("wrong_type", `must be a string, found ${this.#describe()}`);
    return undefined;
  }

  /** An integer scalar. */
  integer(options: { required?: boolean } = {}): number | undefined {
    if (!this.present) {
      if (options.required) this.error("missing_field", "is required");
      return undefined;
    }
    if (isScalar(this.#node) && typeof this.#node.value === "number" && Number.isInteger(this.#node.value)) {
      return this.#node.value;
    }
    this.error("wrong_type", `must be an integer, found ${this.#describe()}`);
    return undefined;
  }

  boolean(): boolean | undefined {
    if (!this.present) return undefined;
    if (isScalar(this.#node) && typeof this.#node.value === "boolean") return this.#node.value;
    this.error("wrong_type", `must be true or false, found ${this.#describe()}`);
    return undefined;
  }

  /** The raw scalar value, whatever its type (for fields that accept several forms). */
  scalar(): unknown {
    return isScalar(this.#node) ? this.#node.value : undefined;
  }

  stringList(): string[] {
    if (!this.present) return [];
    if (!isSeq(this.#node)) {
      this.error("wrong_type", `must be a list of strings, found ${this.#describe()}`);
      return [];
    }
    const out: string[] = [];
    for (const item of this.items()) {
      const value = item.string({ required: true });
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  stringMap(): Record<string, string> {
    if (!this.present) return {};
    if (!isMap(this.#node)) {
      this.error("wrong_type", `must be a mapping of strings, found ${this.#describe()}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const { key } of this.entries()) {
      const value = this.child(key).string({ required: true });
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  /** Records an error (and returns undefined so callers can `return reader.error(...)`). */
  error(code: DiagnosticCode, message: string): undefined {
    this.#push("error", code, message);
    return undefined;
  }

  warn(code: DiagnosticCode, message: string): void {
    this.#push("warning", code, message);
  }

  /** Warns about keys not in `known`, suggesting the closest known key when one is near. */
  checkKeys(known: readonly string[], severity: "error" | "warning" = "warning"): void {
    for (const { key, line } of this.entries()) {
      if (known.includes(key)) continue;
      const hint = closest(key, known);
      const reader = new NodeReader(this.#context, undefined, this.path === "" ? key : `${this.path}.${key}`, line);
      const message = `unknown field${hint ? `; did you mean "${hint}"?` : ` (known: ${known.join(", ")})`}`;
      if (severity === "error") reader.error("unknown_field", message);
      else reader.warn("unknown_field", message);
    }
  }

  #push(severity: "error" | "warning", code: DiagnosticCode, message: string): void {
    this.#context.diagnostics.push({
      file: this.#context.file,
      line: this.line,
      severity,
      path: this.path,
      message,
      code,
    });
  }

  #lineOf(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.#context.lines.linePos(start).line;
  }

  #describe(): string {
    if (isMap(this.#node)) return "a mapping";
    if (isSeq(this.#node)) return "a list";
    if (isScalar(this.#node)) {
      const v = this.#node.value;
      return typeof v === "string" ? `"${v}"` : `${typeof v} ${String(v)}`;
    }
    return "nothing";
  }
}

/** Closest candidate by edit distance (case-insensitive), only when reasonably close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
