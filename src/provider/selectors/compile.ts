/**
 * Compiles (parses and type-checks) CEL selectors once, at validation time, so a bad expression is
 * reported on the machine request before anything is created — with an error that says what to write.
 *
 * Typing follows the Go provider (cel-go without cross-type numeric comparisons): a uint such as
 * `availableSpace` compared with an int literal fails, and the fix is the `u` suffix (`50u`).
 */
import type { ASTNode, ParseResult } from "@marcbachmann/cel-js";
import {
  declaredFields,
  declaredVariables,
  environmentFor,
  type NodeFacts,
  nodeActivation,
  type SelectorKind,
  type StorageFacts,
  storageActivation,
} from "./env.ts";
import { SelectorError } from "./errors.ts";

/** Outcome of evaluating a compiled selector against one candidate. */
export type Evaluation =
  | { readonly ok: true; readonly matched: boolean }
  | { readonly ok: false; readonly message: string };

export interface StorageSelectorProgram {
  readonly kind: "storage";
  readonly expression: string;
  /** Evaluates against one storage as seen from `node` (the node being placed on). */
  evaluate(storage: StorageFacts, node: string): Evaluation;
}

export interface NodeSelectorProgram {
  readonly kind: "node";
  readonly expression: string;
  evaluate(node: NodeFacts): Evaluation;
}

export type CompileResult<P> =
  | { readonly ok: true; readonly program: P }
  | { readonly ok: false; readonly error: SelectorError };

/** A bare word or storage id (`local-lvm`, `vm_ssd`): almost certainly meant as `name == "…"`. */
const BARE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-:]*$/;
/** A single `=` between operands, the SQL/shell habit: `name = "x"`. */
const SINGLE_EQUALS = /(^|[^=!<>])=([^=]|$)/;
const NUMERIC = new Set(["int", "uint", "double"]);
const RELATIONAL = new Set(["<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "/", "%"]);

function example(kind: SelectorKind): string {
  return kind === "storage" ? 'name == "local-lvm"' : 'name == "pve1"';
}

/** Walks every AST node (depth first), operands included. */
function* walk(node: ASTNode): Generator<ASTNode> {
  yield node;
  const args: unknown = node.args;
  const children: unknown[] = Array.isArray(args) ? args : [args];
  for (const child of children) {
    if (Array.isArray(child)) {
      for (const c of child) if (isNode(c)) yield* walk(c);
    } else if (isNode(child)) {
      yield* walk(child);
    }
  }
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

function checkedTypeName(node: ASTNode): string | undefined {
  const t = (node as { checkedType?: { name?: string } }).checkedType;
  return t?.name;
}

function sourceOf(node: ASTNode, expression: string): string {
  return expression.slice(node.start, node.end);
}

/** Finds a binary operator whose operands are different numeric kinds (after type-checking). */
function findNumericMix(
  root: ASTNode,
): { node: ASTNode; left: ASTNode; right: ASTNode; lt: string; rt: string } | undefined {
  for (const node of walk(root)) {
    if (!RELATIONAL.has(node.op)) continue;
    const [left, right] = node.args as [ASTNode, ASTNode];
    const lt = checkedTypeName(left);
    const rt = checkedTypeName(right);
    if (lt && rt && lt !== rt && NUMERIC.has(lt) && NUMERIC.has(rt)) return { node, left, right, lt, rt };
  }
  return undefined;
}

function numericMixError(kind: SelectorKind, expression: string, root: ASTNode): SelectorError | undefined {
  const mix = findNumericMix(root);
  if (!mix) return undefined;
  const { left, right, lt, rt } = mix;
  const intSide = lt === "int" ? left : rt === "int" ? right : undefined;
  const where = sourceOf(mix.node, expression);
  if ((lt === "uint" || rt === "uint") && intSide) {
    const literal = sourceOf(intSide, expression);
    const fixed = /^\d+$/.test(literal) ? `${literal}u` : `uint(${literal})`;
    return new SelectorError(
      "uint_int_mix",
      kind,
      expression,
      `\`${where}\` mixes uint (byte counts) with int`,
      `write ${fixed} (e.g. availableSpace > 50u * 1024u * 1024u * 1024u for 50 GiB)`,
    );
  }
  const intOrUint = lt === "double" ? right : left;
  const literal = sourceOf(intOrUint, expression);
  const fixed = /^\d+$/.test(literal) ? `${literal}.0` : `double(${literal})`;
  return new SelectorError("numeric_mix", kind, expression, `\`${where}\` mixes ${lt} with ${rt}`, `write ${fixed}`);
}

/**
 * `"ssd" in name` fails to type-check (as in cel-go, so in the Go provider); say to use `contains`.
 */
function stringMembershipError(kind: SelectorKind, expression: string, root: ASTNode): SelectorError | undefined {
  for (const node of walk(root)) {
    if (node.op !== "in") continue;
    const [needle, haystack] = node.args as [ASTNode, ASTNode];
    if (checkedTypeName(haystack) !== "string") continue;
    const fixed = `${sourceOf(haystack, expression)}.contains(${sourceOf(needle, expression)})`;
    return new SelectorError(
      "type_error",
      kind,
      expression,
      `\`${sourceOf(node, expression)}\` uses in on a string; in works on lists and maps`,
      `write ${fixed}`,
    );
  }
  return undefined;
}

function usesTypeIdentifier(root: ASTNode): boolean {
  for (const node of walk(root)) if (node.op === "id" && node.args === "type") return true;
  return false;
}

function classicMistake(kind: SelectorKind, expression: string): SelectorError | undefined {
  const trimmed = expression.trim();
  if (trimmed === "") {
    return new SelectorError(
      "empty_selector",
      kind,
      expression,
      "is empty",
      `write a CEL expression that is true for the ${kind}s you want, e.g. ${example(kind)}`,
    );
  }
  if (BARE_NAME.test(trimmed) && !["true", "false"].includes(trimmed) && !declaredVariables(kind).includes(trimmed)) {
    return new SelectorError(
      "bare_name",
      kind,
      expression,
      `is a bare name, not a condition (CEL reads \`${trimmed}\` as an expression)`,
      `write name == ${JSON.stringify(trimmed)}`,
    );
  }
  return undefined;
}

function compile(kind: SelectorKind, expression: string): CompileResult<ParseResult> {
  const mistake = classicMistake(kind, expression);
  if (mistake) return { ok: false, error: mistake };
  const env = environmentFor(kind);
  let parsed: ParseResult;
  try {
    parsed = env.parse(expression);
  } catch (cause) {
    const summary = (cause as { summary?: string }).summary ?? String(cause);
    const fix = SINGLE_EQUALS.test(expression.replace(/"[^"]*"|'[^']*'/g, '""'))
      ? "use == to compare, e.g. " + example(kind)
      : `check the CEL syntax, e.g. ${example(kind)}`;
    return {
      ok: false,
      error: new SelectorError("syntax_error", kind, expression, `does not parse: ${summary}`, fix, { cause }),
    };
  }
  if (kind === "storage" && usesTypeIdentifier(parsed.ast)) {
    return {
      ok: false,
      error: new SelectorError(
        "type_keyword",
        kind,
        expression,
        `uses \`type\`, which in CEL is the built-in type() function, not the storage type`,
        typeKeywordFix(expression),
      ),
    };
  }
  const checked = parsed.check();
  if (!checked.valid) {
    const mix = numericMixError(kind, expression, parsed.ast) ?? stringMembershipError(kind, expression, parsed.ast);
    if (mix) return { ok: false, error: mix };
    return { ok: false, error: typeError(kind, expression, checked.error) };
  }
  const mix = numericMixError(kind, expression, parsed.ast) ?? stringMembershipError(kind, expression, parsed.ast);
  if (mix) return { ok: false, error: mix };
  if (checked.type !== "bool") {
    return {
      ok: false,
      error: new SelectorError(
        "not_bool",
        kind,
        expression,
        `produces ${checked.type}, but a selector must be true or false for each ${kind}`,
        `write a condition, e.g. ${example(kind)}`,
      ),
    };
  }
  return { ok: true, program: parsed };
}

function typeError(kind: SelectorKind, expression: string, cause: unknown): SelectorError {
  const err = cause as { code?: string; summary?: string; message?: string } | undefined;
  const summary = err?.summary ?? err?.message ?? "type check failed";
  if (err?.code === "unknown_variable") {
    return new SelectorError(
      "unknown_variable",
      kind,
      expression,
      summary,
      `available variables are ${declaredVariables(kind).join(", ")}; quote string values ("…")`,
      { cause },
    );
  }
  if (err?.code === "no_such_key") {
    return new SelectorError(
      "unknown_variable",
      kind,
      expression,
      summary,
      `${kind}.<field> has ${declaredFields(kind).join(", ")}`,
      { cause },
    );
  }
  return new SelectorError("type_error", kind, expression, summary, "", { cause });
}

/** Evaluation failures (e.g. a list index out of range) count as "no match" with the reason kept. */
function run(parsed: ParseResult, expression: string, activation: Record<string, unknown>): Evaluation {
  try {
    const value: unknown = parsed(activation);
    return { ok: true, matched: value === true };
  } catch (err) {
    const summary = (err as { summary?: string }).summary ?? String(err);
    return { ok: false, message: `evaluating ${JSON.stringify(expression)} failed: ${summary}` };
  }
}

const storageCache = new Map<string, CompileResult<StorageSelectorProgram>>();
const nodeCache = new Map<string, CompileResult<NodeSelectorProgram>>();
const CACHE_LIMIT = 512;

function remember<P>(cache: Map<string, CompileResult<P>>, key: string, value: CompileResult<P>): CompileResult<P> {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * Parses and type-checks a storage selector (`storage_selector`, per-disk selectors,
 * `iso_storage_selector`, `cidata_storage_selector`).
 *
 * @example
 * const r = compileStorageSelector('storage.type == "rbd" && availableSpace > 100u * 1024u * 1024u * 1024u');
 * if (!r.ok) throw r.error; // r.error.code === "uint_int_mix" for `availableSpace > 50`
 * r.program.evaluate(storage, "pve1"); // { ok: true, matched: true }
 */
export function compileStorageSelector(expression: string): CompileResult<StorageSelectorProgram> {
  const cached = storageCache.get(expression);
  if (cached) return cached;
  const compiled = compile("storage", expression);
  if (!compiled.ok) return remember(storageCache, expression, compiled);
  const parsed = compiled.program;
  const program: StorageSelectorProgram = {
    kind: "storage",
    expression,
    evaluate: (storage, node) => run(parsed, expression, storageActivation(storage, node)),
  };
  return remember(storageCache, expression, { ok: true, program });
}

/**
 * Parses and type-checks a `node_selector`.
 *
 * @example
 * const r = compileNodeSelector('"gpu" in node.tags && node.maxmem > 64u * 1024u * 1024u * 1024u');
 * if (r.ok) r.program.evaluate({ name: "pve1", status: "online", maxcpu: 32, maxmem: 2 ** 37, mem: 0, cpu: 0.1, tags: ["gpu"] });
 */
export function compileNodeSelector(expression: string): CompileResult<NodeSelectorProgram> {
  const cached = nodeCache.get(expression);
  if (cached) return cached;
  const compiled = compile("node", expression);
  if (!compiled.ok) return remember(nodeCache, expression, compiled);
  const parsed = compiled.program;
  const program: NodeSelectorProgram = {
    kind: "node",
    expression,
    evaluate: (node) => run(parsed, expression, nodeActivation(node)),
  };
  return remember(nodeCache, expression, { ok: true, program });
}

/** The fix for `type == "x"`, repeating the user's own comparison (`== "rbd"` when there is none). */
function typeKeywordFix(expression: string): string {
  const match = /\btype\s*([!=]=)\s*("[^"]*"|'[^']*')/.exec(expression);
  const comparison = match ? `${match[1]} ${match[2]}` : '== "rbd"';
  return `write storageType ${comparison} or storage.type ${comparison}`;
}
