import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { registerSecret } from "../observability/secrets.ts";
import { ConfigError } from "./errors.ts";
import { type ConfigFile, configFileSchema } from "./schema.ts";

export type ProxmoxAuth =
  | { kind: "token"; tokenId: string; secret: string }
  | { kind: "password"; username: string; password: string; realm: string };

export interface ProxmoxSettings {
  url: string;
  auth: ProxmoxAuth;
  insecureSkipVerify: boolean;
  caFile?: string;
  fingerprint?: string;
  vmidRange?: { min: number; max: number };
  timeoutMs: number;
}

export interface OmniSettings {
  endpoint: string;
  serviceAccountKey: string;
  insecureSkipVerify: boolean;
  caFile?: string;
}

export interface ProviderConfig {
  providerId: string;
  providerName: string;
  providerDescription: string;
  omni: OmniSettings;
  proxmox: ProxmoxSettings;
  concurrency: number;
  overcommit: { memory: number; cpu: number; storage: number };
  gcIntervalMs: number;
  isoGraceMs: number;
  metricsAddr?: string;
  logLevel: string;
  logFormat: "json" | "pretty";
}

/** Command-line flags, named as the Go provider names them (plus ours). */
export interface ProviderFlags {
  omniApiEndpoint?: string;
  omniServiceAccountKey?: string;
  id?: string;
  providerName?: string;
  providerDescription?: string;
  insecureSkipVerify?: boolean;
  configFile?: string;
  omniCaFile?: string;
  concurrency?: number;
  metricsAddr?: string;
  logLevel?: string;
  logFormat?: string;
}

export const DEFAULTS = {
  providerId: "proxmox",
  providerName: "Proxmox",
  providerDescription: "Proxmox infrastructure provider",
  concurrency: 8,
  overcommit: { memory: 1, cpu: 4, storage: 1 },
  gcIntervalMs: 10 * 60_000,
  isoGraceMs: 15 * 60_000,
  proxmoxTimeoutMs: 30_000,
} as const;

/**
 * Resolves the provider configuration from flags, environment and the config file, in the Go provider's
 * order: a flag wins over its environment variable; the Proxmox section comes from `--config-file`, or
 * from `PROXMOX_*` variables when no file is given. Every secret found is registered for log scrubbing.
 *
 * @example
 * const config = resolveConfig({ configFile: "config.yaml", id: "matrix-cluster" }, process.env);
 */
export function resolveConfig(flags: ProviderFlags, env: NodeJS.ProcessEnv): ProviderConfig {
  const file = flags.configFile ? readConfigFile(flags.configFile) : proxmoxFromEnv(env);
  const endpoint = flags.omniApiEndpoint || cleanEnv(env.OMNI_ENDPOINT);
  if (!endpoint) {
    throw new ConfigError(
      "--omni-api-endpoint",
      "not set. Pass --omni-api-endpoint https://omni.example.com or set OMNI_ENDPOINT",
    );
  }
  const serviceAccountKey =
    flags.omniServiceAccountKey ||
    cleanEnv(env.OMNI_SERVICE_ACCOUNT_KEY) ||
    cleanEnv(env.OMNI_INFRA_PROVIDER_KEY) ||
    cleanEnv(env.SIDERO_SERVICE_ACCOUNT_KEY);
  if (!serviceAccountKey) {
    throw new ConfigError(
      "--omni-service-account-key",
      "not set. Create one with `omnictl infraprovider create <id>` and pass it with --omni-service-account-key " +
        "or OMNI_SERVICE_ACCOUNT_KEY (OMNI_INFRA_PROVIDER_KEY is accepted too)",
    );
  }
  registerSecret(serviceAccountKey);

  const logFormat = flags.logFormat ?? "json";
  if (logFormat !== "json" && logFormat !== "pretty") {
    throw new ConfigError("--log-format", `"${logFormat}" is not a format; use json or pretty`);
  }
  const provider = file.provider ?? {};
  return {
    providerId: flags.id || DEFAULTS.providerId,
    providerName: flags.providerName || DEFAULTS.providerName,
    providerDescription: flags.providerDescription || DEFAULTS.providerDescription,
    omni: {
      endpoint,
      serviceAccountKey,
      insecureSkipVerify: flags.insecureSkipVerify ?? false,
      ...(flags.omniCaFile ? { caFile: flags.omniCaFile } : {}),
    },
    proxmox: proxmoxSettings(file),
    concurrency: flags.concurrency ?? provider.concurrency ?? DEFAULTS.concurrency,
    overcommit: { ...DEFAULTS.overcommit, ...provider.overcommit },
    gcIntervalMs: provider.gcIntervalSeconds === undefined ? DEFAULTS.gcIntervalMs : provider.gcIntervalSeconds * 1000,
    isoGraceMs: provider.isoGraceSeconds === undefined ? DEFAULTS.isoGraceMs : provider.isoGraceSeconds * 1000,
    ...(flags.metricsAddr ? { metricsAddr: flags.metricsAddr } : {}),
    logLevel: flags.logLevel ?? "info",
    logFormat,
  };
}

/** Reads and validates a config file; errors name the file, the key path and the fix. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError("--config-file", `cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, `not valid YAML: ${(error as Error).message}`);
  }
  return parseConfigObject(raw, path);
}

export function parseConfigObject(raw: unknown, source: string): ConfigFile {
  const result = configFileSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, describeIssues(result.error));
  return result.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join(".") || "(root)";
      if (issue.code === "unrecognized_keys") {
        return `${path === "(root)" ? "" : `${path}: `}unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}${suggestKeys(issue.keys)}`;
      }
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

const KNOWN_KEYS = ["tokenID", "tokenSecret", "insecureSkipVerify", "username", "password", "realm", "url", "token"];

function suggestKeys(keys: string[]): string {
  const hints = keys
    .map((key) => KNOWN_KEYS.find((known) => known.toLowerCase() === key.toLowerCase() && known !== key))
    .filter((hint): hint is string => Boolean(hint));
  return hints.length ? ` (did you mean ${hints.map((h) => `"${h}"`).join(", ")}?)` : "";
}

function proxmoxFromEnv(env: NodeJS.ProcessEnv): ConfigFile {
  const insecure = cleanEnv(env.PROXMOX_INSECURE_SKIP_VERIFY);
  const proxmox: ConfigFile["proxmox"] = {};
  const set = (key: keyof ConfigFile["proxmox"], value: string) => {
    if (value) (proxmox as Record<string, unknown>)[key] = value;
  };
  set("url", cleanEnv(env.PROXMOX_URL));
  set("username", cleanEnv(env.PROXMOX_USERNAME));
  set("password", cleanEnv(env.PROXMOX_PASSWORD));
  set("realm", cleanEnv(env.PROXMOX_REALM));
  set("tokenID", cleanEnv(env.PROXMOX_TOKEN_ID));
  set("tokenSecret", cleanEnv(env.PROXMOX_TOKEN_SECRET));
  set("token", cleanEnv(env.PROXMOX_TOKEN));
  if (insecure) proxmox.insecureSkipVerify = parseBool(insecure, "PROXMOX_INSECURE_SKIP_VERIFY");
  return { proxmox };
}

function proxmoxSettings(file: ConfigFile): ProxmoxSettings {
  const p = file.proxmox;
  if (!p.url) {
    throw new ConfigError("proxmox.url", "required (set it in the config file or PROXMOX_URL)");
  }
  validateProxmoxUrl(p.url);
  if (p.insecureSkipVerify && (p.caFile || p.fingerprint)) {
    throw new ConfigError(
      "proxmox.insecureSkipVerify",
      "cannot be combined with caFile or fingerprint: drop insecureSkipVerify to verify the certificate",
    );
  }
  return {
    url: p.url,
    auth: proxmoxAuth(p),
    insecureSkipVerify: p.insecureSkipVerify ?? false,
    ...(p.caFile ? { caFile: p.caFile } : {}),
    ...(p.fingerprint ? { fingerprint: normalizeFingerprint(p.fingerprint) } : {}),
    ...(p.vmidRange ? { vmidRange: parseVmidRange(p.vmidRange) } : {}),
    timeoutMs: (p.timeoutSeconds ?? DEFAULTS.proxmoxTimeoutMs / 1000) * 1000,
  };
}

/** Same precedence as the Go provider: username+password, then a full token, then tokenID+tokenSecret. */
function proxmoxAuth(p: ConfigFile["proxmox"]): ProxmoxAuth {
  if (p.username && p.password) {
    registerSecret(p.password);
    const [user, realmInName] = p.username.split("@");
    return {
      kind: "password",
      username: user ?? p.username,
      password: p.password,
      realm: p.realm || realmInName || "pam",
    };
  }
  if (p.token) {
    const match = /^([^!\s]+@[^!\s]+![^=\s]+)=(\S+)$/.exec(p.token);
    if (!match) {
      throw new ConfigError(
        "proxmox.token",
        'expected the full token "USER@REALM!TOKENID=SECRET"; or set tokenID and tokenSecret separately',
      );
    }
    registerSecret(match[2]);
    return { kind: "token", tokenId: match[1] ?? "", secret: match[2] ?? "" };
  }
  if (p.tokenID && p.tokenSecret) {
    if (!/^[^!\s]+@[^!\s]+![^=\s]+$/.test(p.tokenID)) {
      throw new ConfigError(
        "proxmox.tokenID",
        `"${p.tokenID}" is not a token ID; write it as USER@REALM!TOKENNAME, e.g. terraform@pam!automation`,
      );
    }
    registerSecret(p.tokenSecret);
    return { kind: "token", tokenId: p.tokenID, secret: p.tokenSecret };
  }
  if (p.tokenID || p.tokenSecret) {
    throw new ConfigError("proxmox.tokenSecret", "tokenID and tokenSecret must be set together");
  }
  throw new ConfigError(
    "proxmox",
    "no credentials: set tokenID + tokenSecret (recommended), token, or username + password + realm",
  );
}

function validateProxmoxUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("proxmox.url", `"${url}" is not a URL; write e.g. https://192.168.3.5:8006/api2/json`);
  }
  if (parsed.protocol !== "https:") {
    throw new ConfigError("proxmox.url", `Proxmox serves its API over https only; write https://${parsed.host}…`);
  }
}

export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new ConfigError(
      "proxmox.fingerprint",
      "expected a SHA-256 fingerprint (64 hex digits, colons allowed) as shown under Node > System > Certificates",
    );
  }
  return hex.match(/../g)?.join(":") ?? hex;
}

function parseVmidRange(text: string): { min: number; max: number } {
  const [min, max] = text.split("-").map(Number) as [number, number];
  if (min < 100 || max > 999_999_999 || min > max) {
    throw new ConfigError("proxmox.vmidRange", `"${text}" must satisfy 100 <= MIN <= MAX <= 999999999`);
  }
  return { min, max };
}

function parseBool(text: string, name: string): boolean {
  if (/^(1|t|true|yes)$/i.test(text)) return true;
  if (/^(0|f|false|no)$/i.test(text)) return false;
  throw new ConfigError(name, `"${text}" is not a boolean; use true or false`);
}

/** Trims whitespace and one pair of surrounding quotes, as the Go provider does for env values. */
export function cleanEnv(value: string | undefined): string {
  const v = (value ?? "").trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}
