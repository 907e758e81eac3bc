import type { Command } from "commander";
import { type CommandIo, processIo } from "../../diagnostics/output.ts";
import { formatFinding, readSources, ValidateInputError, validateSources } from "../../diagnostics/validate/index.ts";

/**
 * `omni-proxmox validate FILE|DIR…`: offline lint of MachineClass files and cluster templates.
 * Prints `FILE:LINE: error|warning: <key path>: <message>` (or `--json`); exit 1 on any error.
 *
 * @example
 * registerValidateCommand(program); // omni-proxmox validate examples/
 */
export function registerValidateCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command("validate")
    .description("check MachineClass YAML and cluster templates offline (providerdata, CEL selectors, references)")
    .argument("<files...>", "MachineClass / cluster template files, or directories of them")
    .option("--json", "print one JSON report instead of lines")
    .action((files: string[], options: { json?: boolean }) => {
      let report: ReturnType<typeof validateSources>;
      try {
        report = validateSources(readSources(files));
      } catch (err) {
        if (!(err instanceof ValidateInputError)) throw err;
        io.err(`error: ${err.message}`);
        io.exit(2);
        return;
      }
      if (options.json) {
        io.out(JSON.stringify(report, null, 2));
      } else {
        for (const finding of report.findings) io.out(formatFinding(finding));
        const summary = `${report.files.length} file(s): ${report.errors} error(s), ${report.warnings} warning(s)`;
        io.err(report.errors > 0 ? `validate failed: ${summary}` : `ok: ${summary}`);
      }
      io.exit(report.errors > 0 ? 1 : 0);
    });
}
