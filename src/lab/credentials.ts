import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * `DIR/credentials.json`, written by `omni-proxmox lab --data-dir DIR`: everything a user (or `plan`,
 * `doctor`, `run`) needs to point at the running lab. The file is written with mode 0600: it holds a
 * Proxmox token secret and an infra-provider key, lab-only but real.
 */
export const labCredentialsSchema = z.object({
  providerId: z.string(),
  dataDir: z.string(),
  proxmox: z.object({
    url: z.string(),
    tokenID: z.string(),
    tokenSecret: z.string(),
    caFile: z.string(),
    fingerprint: z.string(),
  }),
  omni: z.object({
    endpoint: z.string(),
    serviceAccountKey: z.string(),
    caFile: z.string().optional(),
  }),
  /** The provider config file written for `omni-proxmox run --config-file`. */
  configFile: z.string(),
});

export type LabCredentials = z.infer<typeof labCredentialsSchema>;

export const CREDENTIALS_FILE = "credentials.json";

export function writeLabCredentials(dir: string, credentials: LabCredentials): string {
  const path = join(dir, CREDENTIALS_FILE);
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** Reads `DIR/credentials.json` (or a path to the file itself); errors say how to create it. */
export function readLabCredentials(dirOrFile: string): LabCredentials {
  const path = dirOrFile.endsWith(".json") ? dirOrFile : join(dirOrFile, CREDENTIALS_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(
      `--lab: cannot read ${path}; start the lab with \`npm start -- --data-dir ${dirOrFile}\` (it writes the file)`,
    );
  }
  const parsed = labCredentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`--lab: ${path} is not a lab credentials file: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The provider config file (Go provider format, plus caFile/fingerprint) for the lab's Proxmox. */
export function labConfigYaml(credentials: Pick<LabCredentials, "proxmox">): string {
  const p = credentials.proxmox;
  return [
    "# omni-proxmox lab: provider config for the simulated Proxmox cluster \"matrix\".",
    "proxmox:",
    `  url: "${p.url}"`,
    `  tokenID: "${p.tokenID}"`,
    `  tokenSecret: "${p.tokenSecret}"`,
    `  caFile: "${p.caFile}"`,
    "provider:",
    "  # Sweep often so scale-to-zero leaves nothing behind within seconds (real setups: minutes).",
    "  gcIntervalSeconds: 5",
    "",
  ].join("\n");
}
