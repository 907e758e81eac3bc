import { Command } from "commander";
import { registerDoctorCommand } from "./commands/doctor.ts";
import { registerLabCommand } from "./commands/lab.ts";
import { registerPlanCommand } from "./commands/plan.ts";
import { registerRunCommand } from "./commands/run.ts";
import { registerSchemaCommand } from "./commands/schema.ts";
import { registerValidateCommand } from "./commands/validate.ts";

/** The `omni-proxmox` command tree. Each command lives in its own module; this file only wires them. */
export function buildProgram(): Command {
  const program = new Command("omni-proxmox")
    .description("Sidero Omni infrastructure provider for Proxmox VE, with an embedded lab")
    .showHelpAfterError();
  registerLabCommand(program);
  registerRunCommand(program);
  registerValidateCommand(program);
  registerPlanCommand(program);
  registerDoctorCommand(program);
  registerSchemaCommand(program);
  return program;
}
