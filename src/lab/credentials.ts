/**
 * `DIR/credentials.json`, written by `omni-proxmox lab`: where the lab's Proxmox and Omni listen and the
 * credentials to use, so `plan`, `doctor` and `run` can be pointed at the lab with `--lab DIR`. Written
 * with mode 0600: it holds a Proxmox token secret and an infra-provider key, lab-only but real.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { registerSecret } from "../observability/secrets.ts";

export const labCredentialsSchema = z
  .object({
    proxmox: z.object({
      /** `https://127.0.0.1:PORT/api2/json` */
      url: z.string().url(),
      tokenID: z.string().min(1),
      tokenSecret: z.string().min(1),
      /** CA that verifies the simulator's certificate. */
      caFile: z.string().optional(),
      /** SHA-256 of the simulator's certificate, `AA:BB:…`. */
      fingerprint: z.string().optional(),
    }),
    omni: z.object({
      /** `https://127.0.0.1:PORT` or `http://…` (h2c). */
      endpoint: z.string().url(),
      /** The infra provider key as `omnictl infraprovider create` prints it. */
      serviceAccountKey: z.string().min(1),
      caFile: z.string().optional(),
    }),
    providerId: z.string().min(1),
    dataDir: z.string().optional(),
    /** The provider config file written for `omni-proxmox run --config-file`. */
    configFile: z.string().optional(),
  })
  .loose();

export type LabCredentials = z.infer<typeof labCredentialsSchema>;

export const CREDENTIALS_FILE = "credentials.json";

export function writeLabCredentials(dir: string, credentials: LabCredentials): string {
  const path = join(dir, CREDENTIALS_FILE);
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export class LabCredentialsError extends Error {
  readonly code = "invalid_lab_credentials";
  constructor(message: string) {
    super(message);
    this.name = "LabCredentialsError";
  }
}

/**
 * Reads and checks `DIR/credentials.json` (or the file itself); registers every secret in it for log scrubbing.
 *
 * @example
 * const lab = readLabCredentials(".lab");
 * new ProxmoxClient({ url: lab.proxmox.url, tokenID: lab.proxmox.tokenID, tokenSecret: lab.proxmox.tokenSecret, caFile: lab.proxmox.caFile });
 */
export function readLabCredentials(dirOrFile: string): LabCredentials {
  const path = dirOrFile.endsWith(".json") ? dirOrFile : join(dirOrFile, CREDENTIALS_FILE);
  const dir = dirOrFile.endsWith(".json") ? dirname(dirOrFile) : dirOrFile;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LabCredentialsError(
      `${path}: cannot read (${reason}); start the lab with \`omni-proxmox lab --data-dir ${dir}\` (or \`npm start -- --data-dir ${dir}\`) first`,
    );
  }
  const parsed = labCredentialsSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new LabCredentialsError(`${path}: ${detail}`);
  }
  registerSecret(parsed.data.proxmox.tokenSecret);
  registerSecret(parsed.data.omni.serviceAccountKey);
  return parsed.data;
}

/** The provider config file (Go provider format, plus caFile/fingerprint) for the lab's Proxmox. */
export function labConfigYaml(credentials: Pick<LabCredentials, "proxmox">): string {
  const p = credentials.proxmox;
  return [
    '# omni-proxmox lab: provider config for the simulated Proxmox cluster "matrix".',
    "proxmox:",
    `  url: "${p.url}"`,
    `  tokenID: "${p.tokenID}"`,
    `  tokenSecret: "${p.tokenSecret}"`,
    `  caFile: "${p.caFile}"`,
    "provider:",
    "  # Sweep often so scale-to-zero leaves nothing behind within seconds (real setups: minutes).",
    "  gcIntervalSeconds: 5",
    "  isoGraceSeconds: 5",
    "",
  ].join("\n");
}
