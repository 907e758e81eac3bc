import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

export interface ProviderProcessOptions {
  configFile: string;
  omniEndpoint: string;
  omniCaFile?: string;
  serviceAccountKey: string;
  providerId: string;
  logFile: string;
  extraArgs?: string[];
}

/**
 * Starts `omni-proxmox run` as a child process, exactly as an operator would run it against real systems:
 * the lab meets the provider only over the wire. The key travels in the environment (not argv, which
 * other users of the machine can read); the provider's JSON log goes to `logFile`.
 */
export function spawnProvider(options: ProviderProcessOptions): ChildProcess {
  const args = [
    MAIN,
    "run",
    "--config-file",
    options.configFile,
    "--omni-api-endpoint",
    options.omniEndpoint,
    "--id",
    options.providerId,
    ...(options.omniCaFile ? ["--omni-ca-file", options.omniCaFile] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, OMNI_SERVICE_ACCOUNT_KEY: options.serviceAccountKey },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(options.logFile, { flags: "a" });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once("exit", () => log.end());
  return child;
}

/** Stops the provider gracefully (SIGTERM), then forcefully after `graceMs`. */
export function stopProvider(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
