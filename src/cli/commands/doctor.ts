import type { Command } from "commander";
import { addTargetOptions } from "../../diagnostics/cli-options.ts";
import { genericRequirements, renderDoctor, roleCommands, runDoctor } from "../../diagnostics/doctor/index.ts";
import { type CommandIo, processIo } from "../../diagnostics/output.ts";
import type { TargetFlags } from "../../diagnostics/target.ts";

interface DoctorFlags extends TargetFlags {
  json?: boolean;
  verbose?: boolean;
  printRole?: boolean;
  roleUser?: string;
  roleToken?: string;
  roleName?: string;
}

/**
 * `omni-proxmox doctor [CLASS FILES…]`: checks a setup end to end (config, Omni key and registration,
 * SideroLink URL, stuck requests, Proxmox TLS, auth, privileges, storages, bridges, mappings, HA); each
 * finding ok / warn / fail with the fix. Exit 1 when any check fails. `--print-role` prints the pveum
 * commands of a least-privilege role instead.
 *
 * @example
 * registerDoctorCommand(program); // omni-proxmox doctor --lab .lab examples/machine-classes/
 */
export function registerDoctorCommand(program: Command, io: CommandIo = processIo): Command {
  const command = program
    .command("doctor")
    .description("diagnose a setup: Omni key/registration/SideroLink, Proxmox TLS/auth/privileges/storages/bridges")
    .argument("[classes...]", "MachineClass files or directories whose selectors, bridges and mappings to check")
    .option("--json", "print the findings as JSON")
    .option("--verbose", "show the detail of passing checks too")
    .option("--print-role", "print pveum commands creating a least-privilege role and token, then exit")
    .option("--role-user <user>", "user for --print-role", "omni@pve")
    .option("--role-token <name>", "token name for --print-role", "provider")
    .option("--role-name <role>", "role name for --print-role", "OmniProxmoxProvider");
  addTargetOptions(command);
  return command.action(async (classFiles: string[], flags: DoctorFlags) => {
    if (flags.printRole) {
      const names = {
        ...(flags.roleUser ? { user: flags.roleUser } : {}),
        ...(flags.roleToken ? { token: flags.roleToken } : {}),
        ...(flags.roleName ? { role: flags.roleName } : {}),
      };
      for (const line of roleCommands(genericRequirements(), names)) io.out(line);
      return;
    }
    const report = await runDoctor({ flags, env: process.env, classFiles });
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of renderDoctor(report, { verbose: flags.verbose ?? false })) io.out(line);
    io.exit(report.summary.fail > 0 ? 1 : 0);
  });
}
