/**
 * One problem found in providerdata: the key path, the offending value, what is wrong and the fix.
 * `message` is the full human sentence shown on MachineRequestStatus. Callers branch on `code`.
 */
export type ProviderDataIssueCode =
  | "too_large"
  | "syntax"
  | "not_a_mapping"
  | "unknown_key"
  | "missing"
  | "invalid_type"
  | "invalid_value"
  | "too_small"
  | "too_big"
  | "invalid_selector"
  | "conflict"
  | "family_mismatch"
  | "outside_subnet"
  | "no_effect"
  | "needs_root_password";

export interface ProviderDataIssue {
  readonly code: ProviderDataIssueCode;
  /** Key path as written, e.g. `additional_disks[1].disk_size`; empty for the document itself. */
  readonly path: string;
  /** The offending value (undefined when the key is missing). */
  readonly value: unknown;
  /** What is wrong, without the path. */
  readonly problem: string;
  /** What to write instead. */
  readonly fix: string;
  /** `<path>: <value> <problem>; <fix>` */
  readonly message: string;
}

function show(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function issue(
  code: ProviderDataIssueCode,
  path: string,
  value: unknown,
  problem: string,
  fix: string,
): ProviderDataIssue {
  const subject = [path === "" ? "providerdata" : path, show(value)].filter((s) => s !== "").join(": ");
  return { code, path, value, problem, fix, message: `${subject} ${problem}; ${fix}` };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** All issues of a failed parse, as one error value callers can throw or report. */
export class ProviderDataError extends Error {
  readonly code = "invalid_provider_data" as const;
  readonly issues: readonly ProviderDataIssue[];

  constructor(issues: readonly ProviderDataIssue[]) {
    const head = issues.length === 1 ? "invalid providerdata" : `invalid providerdata (${issues.length} problems)`;
    super(`${head}: ${issues.map((i) => i.message).join(" | ")}`);
    this.name = "ProviderDataError";
    this.issues = issues;
  }
}
