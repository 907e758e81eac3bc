/**
 * Findings about a YAML file (machine class or cluster template), each tied to a line and a key path so
 * `validate` can print `FILE:LINE: error|warning: <key path>: <message>`.
 */
export type DiagnosticSeverity = "error" | "warning";

/** Stable identifiers tests and callers branch on; the message is for humans. */
export type DiagnosticCode =
  | "yaml_syntax"
  | "empty_file"
  | "not_a_mapping"
  | "missing_field"
  | "wrong_type"
  | "unknown_field"
  | "unknown_kind"
  | "duplicate_document"
  | "missing_document"
  | "nested_machine_set"
  | "bad_version"
  | "bad_name"
  | "bad_size"
  | "even_control_planes"
  | "conflicting_fields"
  | "bad_patch"
  | "bad_extension"
  | "bad_meta_value"
  | "bad_grpc_tunnel"
  | "wrong_resource_type"
  | "unresolved_machine_class"
  | "not_autoprovisioned"
  | "multiple_documents";

export interface Diagnostic {
  file: string;
  /** 1-based line of the offending key (or of the nearest enclosing key when the key is missing). */
  line: number;
  severity: DiagnosticSeverity;
  /** Dotted key path inside the document, e.g. `ControlPlane.machineClass.size`. */
  path: string;
  message: string;
  code: DiagnosticCode;
}

/** What every parser returns: the typed value when the input made sense, and every finding either way. */
export interface ParseResult<T> {
  value?: T;
  diagnostics: Diagnostic[];
}

/** True when any finding is an error (warnings alone do not make a file unusable). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/**
 * One line per finding in the compiler-style form editors and CI logs understand.
 *
 * @example
 * formatDiagnostic({ file: "t.yaml", line: 4, severity: "error", path: "Cluster.name", message: "required", code: "missing_field" })
 * // "t.yaml:4: error: Cluster.name: required"
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path === "" ? "" : `${d.path}: `;
  return `${d.file}:${d.line}: ${d.severity}: ${where}${d.message}`;
}
