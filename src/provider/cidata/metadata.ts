/**
 * NoCloud `meta-data`: the instance id and the host name.
 *
 * The host name travels here, not in a machine-config patch: a hostname patch conflicts with the
 * hostname Talos 1.12 derives itself (upstream Go provider issue #43), while the platform (meta-data)
 * layer is the one Talos is designed to take it from.
 */
import { CidataError } from "./errors.ts";

export interface NocloudMetaDataInput {
  /** Stable per machine; cloud-init style consumers treat a change as a new instance. */
  readonly instanceId: string;
  /** A DNS host name (RFC 1123 labels); with dots, Talos splits it into host and domain name. */
  readonly hostname: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Renders NoCloud meta-data YAML. Talos reads `local-hostname` (and, in older releases, `hostname`);
 * both carry the same value so every Talos version picks it up.
 *
 * @example
 * nocloudMetaData({ instanceId: "0b6d…", hostname: "talos-prod-01-cp-1" });
 * // 'instance-id: "0b6d…"\nlocal-hostname: "talos-prod-01-cp-1"\nhostname: "talos-prod-01-cp-1"\n'
 */
export function nocloudMetaData(input: NocloudMetaDataInput): string {
  validateInstanceId(input.instanceId);
  validateHostname(input.hostname);
  const quoted = (value: string) => JSON.stringify(value);
  return [
    `instance-id: ${quoted(input.instanceId)}`,
    `local-hostname: ${quoted(input.hostname)}`,
    `hostname: ${quoted(input.hostname)}`,
    "",
  ].join("\n");
}

function validateInstanceId(instanceId: string): void {
  if (!/^[\x21-\x7e]{1,255}$/.test(instanceId)) {
    throw new CidataError(
      "invalid_metadata",
      "instanceId",
      `"${instanceId}" is not a usable instance-id; use 1–255 printable ASCII characters without spaces (e.g. the machine UUID)`,
    );
  }
}

function validateHostname(hostname: string): void {
  const labels = hostname.split(".");
  if (hostname.length > 253 || !labels.every((label) => LABEL.test(label))) {
    throw new CidataError(
      "invalid_metadata",
      "hostname",
      `"${hostname}" is not a valid host name; use lower-case letters, digits and "-" in dot-separated labels of 1–63 characters`,
    );
  }
}
