import type { Command } from "commander";
import { type ProviderFlags, resolveConfig } from "../../config/index.ts";
import { createLogger } from "../../observability/logger.ts";
import { scrubSecrets } from "../../observability/secrets.ts";
import { startProvider } from "../../provider/service.ts";
import { parseBoolFlag, parseIntFlag } from "../flags.ts";

interface RunOptions {
  omniApiEndpoint?: string;
  omniServiceAccountKey?: string;
  id?: string;
  providerName?: string;
  providerDescription?: string;
  insecureSkipVerify?: string | boolean;
  configFile?: string;
  omniCaFile?: string;
  concurrency?: string;
  metricsAddr?: string;
  logLevel?: string;
  logFormat?: string;
}

/** `omni-proxmox run`: the provider against a real Omni and Proxmox, with the Go provider's flags. */
export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("run the provider: turn Omni MachineRequests into Talos VMs on Proxmox VE")
    .option("--omni-api-endpoint <url>", "the endpoint of the Omni API (default: OMNI_ENDPOINT)")
    .option(
      "--omni-service-account-key <key>",
      "infra provider service-account key (default: OMNI_SERVICE_ACCOUNT_KEY or OMNI_INFRA_PROVIDER_KEY)",
    )
    .option("--id <id>", "the infra provider ID; must match the key's identity", "proxmox")
    .option("--provider-name <name>", "provider name as it appears in Omni", "Proxmox")
    .option(
      "--provider-description <text>",
      "provider description as it appears in Omni",
      "Proxmox infrastructure provider",
    )
    .option("--insecure-skip-verify [bool]", "skip verifying Omni's TLS certificate")
    .option("--config-file <path>", "Proxmox provider config (YAML); PROXMOX_* variables when absent")
    .option("--omni-ca-file <path>", "PEM CA bundle that signs Omni's certificate")
    .option("--concurrency <n>", "machine requests reconciled at once (default 8)")
    .option("--metrics-addr <addr>", "serve /metrics, /healthz and /readyz on this address, e.g. :9090")
    .option("--log-level <level>", "trace, debug, info, warn or error", "info")
    .option("--log-format <format>", "json or pretty", "json")
    .action(async (options: RunOptions) => {
      const flags: ProviderFlags = {
        ...(options.omniApiEndpoint !== undefined ? { omniApiEndpoint: options.omniApiEndpoint } : {}),
        ...(options.omniServiceAccountKey !== undefined
          ? { omniServiceAccountKey: options.omniServiceAccountKey }
          : {}),
        ...(options.id !== undefined ? { id: options.id } : {}),
        ...(options.providerName !== undefined ? { providerName: options.providerName } : {}),
        ...(options.providerDescription !== undefined ? { providerDescription: options.providerDescription } : {}),
        insecureSkipVerify: parseBoolFlag("--insecure-skip-verify", options.insecureSkipVerify),
        ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
        ...(options.omniCaFile !== undefined ? { omniCaFile: options.omniCaFile } : {}),
        ...(options.concurrency !== undefined
          ? { concurrency: parseIntFlag("--concurrency", options.concurrency) }
          : {}),
        ...(options.metricsAddr !== undefined ? { metricsAddr: options.metricsAddr } : {}),
        ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
        ...(options.logFormat !== undefined ? { logFormat: options.logFormat } : {}),
      };
      const config = resolveConfig(flags, process.env);
      const logger = createLogger({ level: config.logLevel, format: config.logFormat });
      const provider = await startProvider(config, { logger });
      // The runtime's own timers do not hold the process open; this does, until a signal arrives.
      const keepAlive = setInterval(() => {}, 60_000);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          clearInterval(keepAlive);
          logger.info({ signal }, "shutting down");
          provider.stop().then(resolve, (error: unknown) => {
            logger.error({ err: error }, "shutdown failed");
            resolve();
          });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGHUP", () => stop("SIGHUP"));
      });
    });
}

/** Prints an error for humans (never a secret) and picks the exit code. */
export function reportFatal(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`omni-proxmox: ${scrubSecrets(message)}\n`);
  return (error as { code?: string }).code === "invalid_config" ? 2 : 1;
}
