/** Runs one operator command in-process, as `omni-proxmox <args>` would, and returns what it printed. */
import { Command } from "commander";
import { type CommandIo, captureIo } from "../../src/diagnostics/output.ts";

export type Register = (program: Command, io: CommandIo) => Command;

export async function runCommand(
  register: Register,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  const io = captureIo();
  const program = new Command("omni-proxmox").exitOverride().configureOutput({
    writeOut: (s) => io.out(s.trimEnd()),
    writeErr: (s) => io.err(s.trimEnd()),
  });
  register(program, io);
  try {
    await program.parseAsync(["node", "omni-proxmox", ...args]);
  } catch (err) {
    const exit = err as { exitCode?: number; code?: string };
    if (typeof exit.exitCode !== "number") throw err;
    io.exit(exit.exitCode);
  }
  return { stdout: io.stdout(), stderr: io.stderr(), code: io.code() };
}
