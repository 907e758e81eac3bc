/**
 * Checks the providerdata of every MachineClass document in a file against the provider's schema and
 * CEL rules, reporting each issue on the line of the offending key inside the class file.
 */

import type { ProviderDataIssue } from "../../provider/providerdata/index.ts";
import { parseProviderData } from "../../provider/providerdata/index.ts";
import { readYamlDocuments } from "../../templates/yaml-reader.ts";
import { keyLineIn } from "./key-lines.ts";
import type { Severity, ValidationFinding } from "./types.ts";

const PREFIX = "spec.autoprovision.providerdata";

/** The issue's sentence without the key path it starts with (the finding carries the path). */
function withoutPath(issue: ProviderDataIssue): string {
  const subject = issue.path === "" ? "providerdata" : issue.path;
  for (const lead of [`${subject}: `, `${subject} `]) {
    if (issue.message.startsWith(lead)) return issue.message.slice(lead.length);
  }
  return issue.message;
}

function toFinding(
  file: string,
  issue: ProviderDataIssue,
  severity: Severity,
  text: string,
  firstLine: number,
  blockScalar: boolean,
): ValidationFinding {
  const offset = blockScalar && issue.path !== "" ? keyLineIn(text, issue.path) : undefined;
  return {
    file,
    line: firstLine + (offset ?? 0),
    severity,
    path: issue.path === "" ? PREFIX : `${PREFIX}.${issue.path}`,
    message: withoutPath(issue),
    code: `providerdata_${issue.code}`,
  };
}

/**
 * Every providerdata finding of one file (errors and warnings).
 *
 * @example
 * checkProviderData(readFileSync("worker.yaml", "utf8"), "worker.yaml");
 * // [{ line: 16, path: "spec.autoprovision.providerdata.storage_selector", message: "… write storageType == \"rbd\" …" }]
 */
export function checkProviderData(text: string, file: string): ValidationFinding[] {
  const { documents } = readYamlDocuments(text, file);
  const out: ValidationFinding[] = [];
  for (const { root } of documents) {
    const reader = root.child("spec").child("autoprovision").child("providerdata");
    if (!reader.present) continue;
    const value = reader.toJS();
    // A non-string providerdata is a shape error the MachineClass parser reports.
    if (typeof value !== "string") continue;
    const firstLine = reader.contentLine;
    const blockScalar = firstLine !== reader.line;
    const parsed = parseProviderData(value);
    if (parsed.ok) {
      for (const w of parsed.warnings) out.push(toFinding(file, w, "warning", value, firstLine, blockScalar));
    } else {
      for (const e of parsed.errors) out.push(toFinding(file, e, "error", value, firstLine, blockScalar));
    }
  }
  return out;
}
