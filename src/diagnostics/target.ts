/**
 * What `plan` and `doctor` talk to, from either `--lab DIR` (the lab's credentials.json) or the same
 * config file, flags and environment `run` takes.
 */
import { ConfigError, DEFAULTS, type ProviderFlags, resolveConfig } from "../config/index.ts";
import { readLabCredentials } from "../lab/credentials.ts";
import type { Overcommit } from "../provider/placement/index.ts";
import type { ProxmoxClientOptions } from "../proxmox/index.ts";

export interface OmniTarget {
  endpoint: string;
  serviceAccountKey: string;
  caFile?: string;
  insecureSkipVerify?: boolean;
}

export interface DiagnosticTarget {
  /** For humans: `lab .lab` or `config config.yaml`. */
  source: string;
  providerId: string;
  /** Whether `--id` was given (else the default `proxmox` or the lab's ID). */
  providerIdExplicit: boolean;
  proxmox: ProxmoxClientOptions;
  /** Absent when no Omni endpoint/key was given (plan does not need one). */
  omni?: OmniTarget;
  overcommit: Overcommit;
}

/** The Go provider's flag names (camel-cased by commander), plus `--lab`. */
export interface TargetFlags extends ProviderFlags {
  lab?: string;
}

/**
 * @example
 * const target = resolveTarget({ lab: ".lab" }, process.env);
 * const target2 = resolveTarget({ configFile: "config.yaml", id: "matrix-cluster" }, process.env);
 */
export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv, needs: { omni: boolean }): DiagnosticTarget {
  if (flags.lab !== undefined) {
    const lab = readLabCredentials(flags.lab);
    return {
      source: `lab ${flags.lab}`,
      providerId: flags.id ?? lab.providerId,
      providerIdExplicit: flags.id !== undefined,
      proxmox: {
        url: lab.proxmox.url,
        tokenID: lab.proxmox.tokenID,
        tokenSecret: lab.proxmox.tokenSecret,
        ...(lab.proxmox.caFile ? { caFile: lab.proxmox.caFile } : {}),
        ...(lab.proxmox.fingerprint && !lab.proxmox.caFile ? { fingerprint: lab.proxmox.fingerprint } : {}),
      },
      omni: {
        endpoint: flags.omniApiEndpoint ?? lab.omni.endpoint,
        serviceAccountKey: flags.omniServiceAccountKey ?? lab.omni.serviceAccountKey,
        ...(flags.omniCaFile || lab.omni.caFile ? { caFile: flags.omniCaFile ?? lab.omni.caFile } : {}),
        ...(flags.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
      },
      overcommit: { ...DEFAULTS.overcommit },
    };
  }
  const omniGiven = Boolean(
    flags.omniApiEndpoint ||
      env.OMNI_ENDPOINT ||
      flags.omniServiceAccountKey ||
      env.OMNI_SERVICE_ACCOUNT_KEY ||
      env.OMNI_INFRA_PROVIDER_KEY,
  );
  if (!flags.configFile && !env.PROXMOX_URL) {
    throw new ConfigError(
      "--config-file",
      "not set. Pass --config-file config.yaml (the provider's config) or --lab DIR",
    );
  }
  // Without Omni settings, plan still works: only the Proxmox section is needed.
  const placeholders: ProviderFlags =
    !needs.omni && !omniGiven
      ? { omniApiEndpoint: "https://omni.invalid", omniServiceAccountKey: "plan-runs-without-an-omni-key" }
      : {};
  const config = resolveConfig({ ...flags, ...placeholders }, env);
  const p = config.proxmox;
  return {
    source: flags.configFile ? `config ${flags.configFile}` : "environment PROXMOX_*",
    providerId: config.providerId,
    providerIdExplicit: flags.id !== undefined,
    proxmox: {
      url: p.url,
      ...(p.auth.kind === "token"
        ? { tokenID: p.auth.tokenId, tokenSecret: p.auth.secret }
        : { username: p.auth.username, password: p.auth.password, realm: p.auth.realm }),
      insecureSkipVerify: p.insecureSkipVerify,
      ...(p.caFile ? { caFile: p.caFile } : {}),
      ...(p.fingerprint ? { fingerprint: p.fingerprint } : {}),
      timeoutMs: p.timeoutMs,
    },
    ...(placeholders.omniApiEndpoint
      ? {}
      : {
          omni: {
            endpoint: config.omni.endpoint,
            serviceAccountKey: config.omni.serviceAccountKey,
            insecureSkipVerify: config.omni.insecureSkipVerify,
            ...(config.omni.caFile ? { caFile: config.omni.caFile } : {}),
          },
        }),
    overcommit: config.overcommit,
  };
}
