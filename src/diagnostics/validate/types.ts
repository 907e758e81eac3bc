/**
 * One problem `omni-proxmox validate` reports: tied to a file, a 1-based line and a dotted key path, so
 * editors and CI logs can jump to it.
 */
export type Severity = "error" | "warning";

export interface ValidationFinding {
  readonly file: string;
  readonly line: number;
  readonly severity: Severity;
  /** Key path inside the document, e.g. `spec.autoprovision.providerdata.storage_selector`. */
  readonly path: string;
  /** What is wrong and what to write instead; does not repeat the path. */
  readonly message: string;
  /** Stable identifier callers and tests branch on. */
  readonly code: string;
}

/** What each input file turned out to be. */
export type FileKind = "machine-class" | "cluster-template" | "unknown" | "ignored";

export interface ValidationReport {
  readonly files: readonly { readonly file: string; readonly kind: FileKind }[];
  readonly findings: readonly ValidationFinding[];
  readonly errors: number;
  readonly warnings: number;
}

/**
 * The compiler-style line: `FILE:LINE: error|warning: <key path>: <message>`.
 *
 * @example
 * formatFinding({ file: "w.yaml", line: 16, severity: "error", path: "spec.autoprovision.providerdata.memory", message: "is required", code: "missing" });
 * // "w.yaml:16: error: spec.autoprovision.providerdata.memory: is required"
 */
export function formatFinding(f: ValidationFinding): string {
  const where = f.path === "" ? "" : `${f.path}: `;
  return `${f.file}:${f.line}: ${f.severity}: ${where}${f.message}`;
}
