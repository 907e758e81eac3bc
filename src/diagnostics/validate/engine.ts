/**
 * `validate`'s engine: routes each file to the MachineClass or cluster-template checks, resolves machine
 * class references among the given files, and returns every finding sorted by file and line. Pure: the
 * caller reads the files.
 */
import type { Diagnostic } from "../../templates/index.ts";
import {
  detectYamlKind,
  type MachineClass,
  parseClusterTemplate,
  parseMachineClasses,
  resolveMachineClasses,
} from "../../templates/index.ts";
import { checkProviderData } from "./providerdata.ts";
import type { FileKind, ValidationFinding, ValidationReport } from "./types.ts";

export interface SourceFile {
  /** As the user named it (printed in findings). */
  readonly file: string;
  readonly text: string;
  /** Found by expanding a directory: other YAML there (compose.yml…) is skipped, not an error. */
  readonly fromDirectory?: boolean;
}

function fromDiagnostic(d: Diagnostic): ValidationFinding {
  return { file: d.file, line: d.line, severity: d.severity, path: d.path, message: d.message, code: d.code };
}

/** Classes found in the given files, also when their file has other errors (so references still resolve). */
function collectClasses(file: SourceFile): { classes: MachineClass[]; findings: ValidationFinding[] } {
  const parsed = parseMachineClasses(file.text, file.file);
  return {
    classes: parsed.value ?? [],
    findings: [...parsed.diagnostics.map(fromDiagnostic), ...checkProviderData(file.text, file.file)],
  };
}

function duplicateClassFindings(classes: readonly MachineClass[]): ValidationFinding[] {
  const seen = new Map<string, MachineClass>();
  const out: ValidationFinding[] = [];
  for (const c of classes) {
    const first = seen.get(c.id);
    if (!first) {
      seen.set(c.id, c);
      continue;
    }
    out.push({
      file: c.file,
      line: c.line,
      severity: "error",
      path: "metadata.id",
      message: `machine class "${c.id}" is also defined in ${first.file}:${first.line}; the later apply would replace the first — rename one`,
      code: "duplicate_machine_class",
    });
  }
  return out;
}

/**
 * Validates MachineClass files and cluster templates together.
 *
 * @example
 * const report = validateSources([{ file: "t.yaml", text }, { file: "w.yaml", text: w }]);
 * for (const f of report.findings) console.log(formatFinding(f));
 * process.exitCode = report.errors > 0 ? 1 : 0;
 */
export function validateSources(sources: readonly SourceFile[]): ValidationReport {
  const files: { file: string; kind: FileKind }[] = [];
  const findings: ValidationFinding[] = [];
  const classes: MachineClass[] = [];
  const templates: SourceFile[] = [];
  for (const source of sources) {
    const detected = detectYamlKind(source.text);
    const kind: FileKind = detected === "unknown" && source.fromDirectory ? "ignored" : detected;
    files.push({ file: source.file, kind });
    if (kind === "ignored") continue;
    if (kind === "machine-class") {
      const r = collectClasses(source);
      classes.push(...r.classes);
      findings.push(...r.findings);
    } else if (kind === "cluster-template") {
      templates.push(source);
    } else {
      findings.push(unknownKind(source));
    }
  }
  findings.push(...duplicateClassFindings(classes));
  for (const source of templates) {
    const parsed = parseClusterTemplate(source.text, source.file);
    findings.push(...parsed.diagnostics.map(fromDiagnostic));
    if (!parsed.value) continue;
    const unresolved = resolveMachineClasses(parsed.value, classes).map(fromDiagnostic);
    // With no class files at all, the references cannot be checked: say so without failing the run.
    findings.push(
      ...unresolved.map((f) =>
        classes.length === 0 && f.code === "unresolved_machine_class"
          ? {
              ...f,
              severity: "warning" as const,
              message: `${f.message.replace(/; pass its MachineClass file too$/, "")}; not checked: pass the MachineClass files too`,
            }
          : f,
      ),
    );
  }
  findings.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return {
    files,
    findings,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
  };
}

function unknownKind(source: SourceFile): ValidationFinding {
  const parsed = parseClusterTemplate(source.text, source.file);
  const syntax = parsed.diagnostics.find((d) => d.code === "yaml_syntax" || d.code === "empty_file");
  if (syntax) return fromDiagnostic(syntax);
  return {
    file: source.file,
    line: 1,
    severity: "error",
    path: "",
    message:
      "neither a MachineClass (metadata.type: MachineClasses.omni.sidero.dev with spec.autoprovision) nor a cluster template (documents with kind: Cluster / ControlPlane / Workers)",
    code: "unknown_kind",
  };
}
