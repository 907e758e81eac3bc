import type { Command } from "commander";
import { addTargetOptions } from "../../diagnostics/cli-options.ts";
import { describeFailure } from "../../diagnostics/failure.ts";
import { type CommandIo, processIo } from "../../diagnostics/output.ts";
import { planFilesFrom, renderPlan, runPlan, setsFromFiles } from "../../diagnostics/plan/index.ts";
import { resolveTarget, type TargetFlags } from "../../diagnostics/target.ts";
import { formatFinding } from "../../diagnostics/validate/index.ts";

interface PlanOptions extends TargetFlags {
  class: string[];
  count: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `omni-proxmox plan`: where each VM of a template (or of `--class FILE --count N`) would land and why,
 * whether it all fits, and the headroom per class. Only reads from Proxmox.
 *
 * @example
 * registerPlanCommand(program); // omni-proxmox plan --lab .lab examples/clusters/talos-prod-01.yaml examples/machine-classes/
 */
export function registerPlanCommand(program: Command, io: CommandIo = processIo): Command {
  const command = program
    .command("plan")
    .description("show where VMs would land (node, storages, reasons) and whether they fit; changes nothing")
    .argument("[files...]", "a cluster template and its MachineClass files (or directories)")
    .option("--class <file>", "a MachineClass file to plan for (pair with --count)", collect, [])
    .option("--count <n>", "how many machines of the preceding --class", collect, [])
    .option("--json", "print the plan as JSON");
  addTargetOptions(command);
  return command.action(async (files: string[], options: PlanOptions) => {
    try {
      const sets = setsFromFiles(planFilesFrom(files, options.class, options.count));
      const report = await runPlan(resolveTarget(options, process.env, { omni: false }), sets);
      if (options.json) io.out(JSON.stringify(report, null, 2));
      else for (const line of renderPlan(report)) io.out(line);
      io.exit(report.fits ? 0 : 1);
    } catch (err) {
      const failure = describeFailure(err);
      for (const finding of failure.findings) io.err(formatFinding(finding));
      io.err(`plan: ${failure.message}`);
      io.exit(2);
    }
  });
}
