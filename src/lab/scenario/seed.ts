/**
 * The seed scenario's inputs: the user's machine classes and cluster template from `examples/`, with the
 * lab's `--control-planes N` / `--workers N` overrides applied.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ClusterTemplate,
  type Diagnostic,
  hasErrors,
  type MachineClass,
  type MachineSetTemplate,
  parseClusterTemplate,
  parseMachineClass,
  resolveMachineClasses,
} from "../../templates/index.ts";

/** `<repo>/examples`, resolved from this file so it works from any working directory. */
export const EXAMPLES_DIR = join(import.meta.dirname, "../../../examples");

export const SEED_FILES = {
  template: "clusters/talos-prod-01.yaml",
  classes: ["machine-classes/matrix-control-plane.yaml", "machine-classes/matrix-worker.yaml"],
} as const;

export interface SeedScenario {
  template: ClusterTemplate;
  classes: MachineClass[];
  /** Warnings found while reading (errors throw). */
  diagnostics: Diagnostic[];
}

export interface SeedOptions {
  examplesDir?: string;
  /** Overrides the ControlPlane size (odd counts recommended; even ones add a warning). */
  controlPlanes?: number;
  /** Overrides the size of the default Workers set. */
  workers?: number;
}

export class SeedScenarioError extends Error {
  readonly code = "invalid_seed";
  readonly diagnostics: Diagnostic[];

  constructor(message: string, diagnostics: Diagnostic[]) {
    super(message);
    this.name = "SeedScenarioError";
    this.diagnostics = diagnostics;
  }
}

/**
 * Reads and checks the seed's template and machine classes.
 *
 * @example
 * const { template, classes } = loadSeedScenario({ workers: 3 });
 * template.workers[0]?.machineClass?.size; // 3
 */
export function loadSeedScenario(options: SeedOptions = {}): SeedScenario {
  const dir = options.examplesDir ?? EXAMPLES_DIR;
  const diagnostics: Diagnostic[] = [];
  const templateFile = join(dir, SEED_FILES.template);
  const parsedTemplate = parseClusterTemplate(readFileSync(templateFile, "utf8"), templateFile);
  diagnostics.push(...parsedTemplate.diagnostics);
  const classes: MachineClass[] = [];
  for (const rel of SEED_FILES.classes) {
    const file = join(dir, rel);
    const parsed = parseMachineClass(readFileSync(file, "utf8"), file);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value) classes.push(parsed.value);
  }
  if (!parsedTemplate.value || hasErrors(diagnostics)) {
    throw new SeedScenarioError(`the seed files in ${dir} do not parse: ${summarize(diagnostics)}`, diagnostics);
  }
  const template = withCounts(parsedTemplate.value, options);
  const references = resolveMachineClasses(template, classes);
  diagnostics.push(...references);
  if (hasErrors(references)) {
    throw new SeedScenarioError(`the seed template does not match its classes: ${summarize(references)}`, diagnostics);
  }
  if (options.controlPlanes !== undefined && options.controlPlanes % 2 === 0) {
    diagnostics.push({
      file: templateFile,
      line: template.controlPlane.machineClass?.sizeLine ?? template.controlPlane.line,
      severity: "warning",
      path: "ControlPlane.machineClass.size",
      message: `--control-planes ${options.controlPlanes}: an even count adds no etcd fault tolerance`,
      code: "even_control_planes",
    });
  }
  return { template, classes, diagnostics: diagnostics.filter((d) => d.severity === "warning") };
}

/**
 * A copy of the template with the control-plane and default-workers sizes replaced.
 * Throws `RangeError` for counts that are not whole numbers (≥ 1 for control planes).
 */
export function withCounts(
  template: ClusterTemplate,
  counts: { controlPlanes?: number; workers?: number },
): ClusterTemplate {
  const resize = (set: MachineSetTemplate, size: number | undefined, min: number, flag: string): MachineSetTemplate => {
    if (size === undefined || !set.machineClass) return set;
    if (!Number.isInteger(size) || size < min)
      throw new RangeError(`${flag} must be a whole number ≥ ${min}, got ${size}`);
    return { ...set, machineClass: { ...set.machineClass, size } };
  };
  return {
    ...template,
    controlPlane: resize(template.controlPlane, counts.controlPlanes, 1, "--control-planes"),
    workers: template.workers.map((w) => (w.name === "workers" ? resize(w, counts.workers, 0, "--workers") : w)),
  };
}

function summarize(diagnostics: Diagnostic[]): string {
  return diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.file}:${d.line}: ${d.path}: ${d.message}`)
    .join("; ");
}
