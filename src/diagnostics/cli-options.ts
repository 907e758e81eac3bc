/**
 * The connection options `plan` and `doctor` share with `run`: the Go provider's flag names, plus
 * `--lab DIR` for the lab's credentials.json.
 */
import type { Command } from "commander";

/**
 * @example
 * addTargetOptions(program.command("doctor"));
 */
export function addTargetOptions(command: Command): Command {
  return command
    .option("--lab <dir>", "use the lab's DIR/credentials.json (written by `omni-proxmox lab --data-dir DIR`)")
    .option("--config-file <file>", "provider config file (proxmox.url, tokenID/tokenSecret, …), as for `run`")
    .option("--omni-api-endpoint <url>", "Omni API endpoint (env OMNI_ENDPOINT)")
    .option(
      "--omni-service-account-key <key>",
      "infra provider key (env OMNI_SERVICE_ACCOUNT_KEY or OMNI_INFRA_PROVIDER_KEY)",
    )
    .option("--id <id>", "infra provider ID (default proxmox)")
    .option("--insecure-skip-verify", "skip TLS verification of the Omni endpoint")
    .option("--omni-ca-file <file>", "CA bundle that verifies the Omni endpoint");
}
