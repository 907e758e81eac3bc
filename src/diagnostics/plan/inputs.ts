/**
 * Turns `plan`'s file arguments into machine sets: a cluster template with its class files (each set's
 * size), or `--class FILE --count N` pairs. Files are validated first; a plan of invalid classes would
 * only repeat validate's findings less clearly.
 */
import { readFileSync } from "node:fs";
import { parseProviderData } from "../../provider/providerdata/index.ts";
import {
  type ClusterTemplate,
  detectYamlKind,
  type MachineClass,
  parseClusterTemplate,
  parseMachineClasses,
} from "../../templates/index.ts";
import { readSources, type ValidationFinding, validateSources } from "../validate/index.ts";
import type { PlanMachineSet } from "./types.ts";

export class PlanInputError extends Error {
  readonly code = "invalid_plan_input";
  readonly findings: readonly ValidationFinding[];
  constructor(message: string, findings: readonly ValidationFinding[] = []) {
    super(message);
    this.name = "PlanInputError";
    this.findings = findings;
  }
}

export interface PlanFiles {
  /** A cluster template; its sets' sizes are the counts. */
  readonly template?: string;
  /** MachineClass files the template refers to. */
  readonly classFiles: readonly string[];
  /** `--class FILE --count N`, paired in order. */
  readonly counted: readonly { readonly file: string; readonly count: number }[];
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new PlanInputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function dataOf(c: MachineClass) {
  const parsed = parseProviderData(c.autoProvision?.providerData ?? "");
  if (!parsed.ok) throw new PlanInputError(`${c.file}: machine class "${c.id}" has invalid providerdata`);
  return parsed.data;
}

function classesIn(file: string, text: string): MachineClass[] {
  const parsed = parseMachineClasses(text, file);
  const classes = (parsed.value ?? []).filter((c) => c.autoProvision);
  if (classes.length === 0) {
    throw new PlanInputError(`${file}: holds no auto-provisioning MachineClass (spec.autoprovision) to plan for`);
  }
  return classes;
}

/**
 * @example
 * setsFromFiles({ template: "clusters/talos-prod-01.yaml", classFiles: ["machine-classes/matrix-worker.yaml", …], counted: [] });
 * setsFromFiles({ classFiles: [], counted: [{ file: "machine-classes/matrix-worker.yaml", count: 4 }] });
 */
export function setsFromFiles(files: PlanFiles): PlanMachineSet[] {
  const all = [...(files.template ? [files.template] : []), ...files.classFiles, ...files.counted.map((c) => c.file)];
  if (all.length === 0) {
    throw new PlanInputError(
      "nothing to plan: pass a cluster template with its class files, or --class FILE --count N",
    );
  }
  if (!files.template && files.counted.length === 0) {
    // Class files alone say nothing about how many machines to place: a plan of zero would read as "fits".
    throw new PlanInputError(
      `${files.classFiles.join(", ")}: machine classes without a cluster template or a count; add the template ` +
        "(e.g. examples/clusters/talos-prod-01.yaml), or plan a class alone with --class FILE --count N",
    );
  }
  const sources = [...new Set(all)].map((file) => ({ file, text: read(file) }));
  const report = validateSources(sources);
  if (report.errors > 0) {
    throw new PlanInputError(
      `${report.errors} error(s) in the input files; fix them first (omni-proxmox validate shows the same)`,
      report.findings.filter((f) => f.severity === "error"),
    );
  }
  const text = new Map(sources.map((s) => [s.file, s.text]));
  const sets: PlanMachineSet[] = [];
  for (const { file, count } of files.counted) {
    if (!Number.isInteger(count) || count < 0) throw new PlanInputError(`--count ${count}: must be a whole number ≥ 0`);
    for (const c of classesIn(file, text.get(file) ?? "")) {
      sets.push({ id: c.id, role: "worker", className: c.id, count, data: dataOf(c) });
    }
  }
  if (files.template) {
    const classes = files.classFiles.flatMap((f) => classesIn(f, text.get(f) ?? ""));
    const template = parseClusterTemplate(text.get(files.template) ?? "", files.template).value;
    if (!template) throw new PlanInputError(`${files.template}: not a cluster template`);
    sets.push(...setsFromTemplate(template, classes));
  }
  return sets;
}

/**
 * The machine sets of a parsed cluster template, each sized by its machine class reference.
 *
 * @example
 * const { template, classes } = loadSeedScenario({ workers: 4 });
 * setsFromTemplate(template, classes); // talos-prod-01-control-planes ×3, talos-prod-01-workers ×4
 */
export function setsFromTemplate(template: ClusterTemplate, classes: readonly MachineClass[]): PlanMachineSet[] {
  const sets: PlanMachineSet[] = [];
  for (const set of [template.controlPlane, ...template.workers]) {
    const ref = set.machineClass;
    if (!ref) continue;
    const c = classes.find((k) => k.id === ref.name);
    if (!c) throw new PlanInputError(`${template.file}: machine class "${ref.name}" not found; pass its file too`);
    if (ref.size === "unlimited") throw new PlanInputError(`${template.file}: ${set.machineSetId} has no fixed size`);
    sets.push({
      id: set.machineSetId,
      role: set.kind === "ControlPlane" ? "control-plane" : "worker",
      className: c.id,
      count: ref.size,
      data: dataOf(c),
    });
  }
  return sets;
}

/**
 * Sorts positional files into a template and class files, and pairs `--class` with `--count`.
 *
 * @example
 * planFilesFrom(["clusters/t.yaml", "machine-classes/"], [], []);
 */
export function planFilesFrom(
  positional: readonly string[],
  classOptions: readonly string[],
  countOptions: readonly string[],
): PlanFiles {
  if (classOptions.length !== countOptions.length) {
    throw new PlanInputError(
      `--class was given ${classOptions.length} time(s) and --count ${countOptions.length}: pair each --class FILE with a --count N`,
    );
  }
  const sources = readSources(positional);
  const templates = sources.filter((s) => detectYamlKind(s.text) === "cluster-template").map((s) => s.file);
  if (templates.length > 1) throw new PlanInputError(`one cluster template at a time; got ${templates.join(", ")}`);
  const classFiles = sources.filter((s) => detectYamlKind(s.text) === "machine-class").map((s) => s.file);
  return {
    ...(templates[0] ? { template: templates[0] } : {}),
    classFiles,
    counted: classOptions.map((file, i) => ({ file, count: Number(countOptions[i]) })),
  };
}
