/** Machine classes named on the doctor's command line, validated, as classes to check the cluster against. */

import { parseProviderData } from "../../provider/providerdata/index.ts";
import { parseMachineClasses } from "../../templates/index.ts";
import { formatFinding, readSources, validateSources } from "../validate/index.ts";
import type { ClassUnderCheck } from "./context.ts";
import { type Finding, fail, ok } from "./types.ts";

/**
 * @example
 * const { classes, finding } = classesFromFiles(["examples/machine-classes/"]);
 */
export function classesFromFiles(paths: readonly string[]): { classes: ClassUnderCheck[]; finding?: Finding } {
  if (paths.length === 0) return { classes: [] };
  let sources: ReturnType<typeof readSources>;
  try {
    sources = readSources(paths);
  } catch (err) {
    return {
      classes: [],
      finding: fail("classes", "cannot read the class files", (err as Error).message, "check the paths"),
    };
  }
  const report = validateSources(sources);
  const classes: ClassUnderCheck[] = [];
  for (const source of sources) {
    for (const c of parseMachineClasses(source.text, source.file).value ?? []) {
      const parsed = parseProviderData(c.autoProvision?.providerData ?? "");
      if (parsed.ok) classes.push({ name: c.id, origin: source.file, data: parsed.data });
    }
  }
  if (report.errors > 0) {
    return {
      classes,
      finding: fail(
        "classes",
        `${report.errors} error(s) in the machine class files`,
        report.findings
          .filter((f) => f.severity === "error")
          .map(formatFinding)
          .join("\n"),
        "fix them (omni-proxmox validate shows the same); the valid classes were still checked",
      ),
    };
  }
  return {
    classes,
    finding: ok(
      "classes",
      `${classes.length} machine class(es) to check`,
      classes.map((c) => `${c.name} (${c.origin})`).join("\n"),
    ),
  };
}
