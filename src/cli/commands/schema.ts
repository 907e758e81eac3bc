import type { Command } from "commander";
import { type CommandIo, processIo } from "../../diagnostics/output.ts";
import { providerDataJsonSchema } from "../../provider/providerdata/index.ts";

/**
 * `omni-proxmox schema`: the providerdata JSON Schema, for editors' YAML language server and for Omni's
 * machine class form (the same text the provider publishes in InfraProviderStatus).
 *
 * @example
 * registerSchemaCommand(program); // omni-proxmox schema > providerdata.schema.json
 */
export function registerSchemaCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command("schema")
    .description("print the providerdata JSON Schema (draft-07)")
    .action(() => {
      io.out(providerDataJsonSchema());
    });
}
