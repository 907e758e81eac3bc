/**
 * Errors raised while compiling a CEL selector. Callers branch on `code`, never on the message.
 *
 * - `empty_selector`: the expression is empty or only whitespace.
 * - `syntax_error`: the expression does not parse as CEL.
 * - `bare_name`: a bare storage/node name such as `local-lvm` instead of `name == "local-lvm"`.
 * - `type_keyword`: `type` used as if it were the storage type; in CEL `type` is the type function.
 * - `uint_int_mix`: a uint (bytes) compared or combined with an int literal, e.g. `availableSpace > 50`.
 * - `numeric_mix`: other numeric kinds mixed (int vs double), e.g. `storage.used_fraction < 1`.
 * - `unknown_variable`: a variable or field that is not declared for this selector kind.
 * - `type_error`: any other type-check failure.
 * - `not_bool`: the expression type-checks but does not produce a bool.
 */
export type SelectorErrorCode =
  | "empty_selector"
  | "syntax_error"
  | "bare_name"
  | "type_keyword"
  | "uint_int_mix"
  | "numeric_mix"
  | "unknown_variable"
  | "type_error"
  | "not_bool";

export class SelectorError extends Error {
  readonly code: SelectorErrorCode;
  readonly kind: "storage" | "node";
  /** The expression as written by the user. */
  readonly expression: string;
  /** What is wrong, e.g. "is a bare name, not a condition". */
  readonly problem: string;
  /** What to write instead, when we can tell (may be empty). */
  readonly fix: string;

  constructor(
    code: SelectorErrorCode,
    kind: "storage" | "node",
    expression: string,
    problem: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    const head = `${kind} selector ${JSON.stringify(expression)}: ${problem}`;
    super(fix === "" ? head : `${head}; ${fix}`, options);
    this.name = "SelectorError";
    this.code = code;
    this.kind = kind;
    this.expression = expression;
    this.problem = problem;
    this.fix = fix;
  }
}

export function isSelectorError(err: unknown, code?: SelectorErrorCode): err is SelectorError {
  return err instanceof SelectorError && (code === undefined || err.code === code);
}
