import { Command } from "commander";

/** The `omni-proxmox` command tree. Each command lives in its own module; this file only wires them. */
export function buildProgram(): Command {
  const program = new Command("omni-proxmox")
    .description("Sidero Omni infrastructure provider for Proxmox VE")
    .showHelpAfterError();
  program
    .command("lab")
    .description("run the embedded lab: simulated Proxmox + Omni, the provider against them")
    .action(() => {
      console.log("omni-proxmox lab: not built yet. Working so far: see README.md");
    });
  return program;
}
