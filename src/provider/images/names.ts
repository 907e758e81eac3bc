/**
 * File names of what we put into Proxmox storages. The name is the mark: garbage collection only ever
 * considers files with this provider's prefix. Proxmox keeps `[A-Za-z0-9_.-]` and replaces the rest.
 */

function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** `omni-<provider>-talos-` — every Talos ISO this provider downloads starts with it. */
export function talosIsoPrefix(providerId: string): string {
  return `omni-${fileSafe(providerId)}-talos-`;
}

/** `omni-<provider>-cidata-` — every NoCloud image this provider uploads starts with it. */
export function cidataPrefix(providerId: string): string {
  return `omni-${fileSafe(providerId)}-cidata-`;
}

/**
 * The Talos ISO of one schematic and version, shared by every VM that boots it.
 *
 * @example
 * talosIsoFileName("matrix-cluster", "376567…", "1.11.6"); // "omni-matrix-cluster-talos-376567…-v1.11.6-nocloud-amd64.iso"
 */
export function talosIsoFileName(providerId: string, schematicId: string, talosVersion: string): string {
  const version = talosVersion.replace(/^v+/, "");
  return `${talosIsoPrefix(providerId)}${fileSafe(schematicId)}-v${fileSafe(version)}-nocloud-amd64.iso`;
}

/** What follows {@link talosIsoPrefix} in a Talos ISO name: `<schematic>-v<version>-nocloud-amd64.iso`. */
const TALOS_ISO_REST = /^[A-Za-z0-9_.]+-v[A-Za-z0-9_.-]+-nocloud-amd64\.iso$/;

/**
 * True when `fileName` is one of this provider's Talos ISOs. The prefix alone is not enough: provider
 * `pve-talos` names its ISOs `omni-pve-talos-talos-…`, which starts with provider `pve`'s prefix.
 *
 * @example
 * isTalosIsoOf("pve", talosIsoFileName("pve", "3765…", "1.11.6")); // true
 * isTalosIsoOf("pve", talosIsoFileName("pve-talos", "3765…", "1.11.6")); // false
 */
export function isTalosIsoOf(providerId: string, fileName: string): boolean {
  const prefix = talosIsoPrefix(providerId);
  return fileName.startsWith(prefix) && TALOS_ISO_REST.test(fileName.slice(prefix.length));
}

/** The NoCloud image of one request (unique per request, so concurrent uploads never collide). */
export function cidataFileName(providerId: string, requestId: string): string {
  return `${cidataPrefix(providerId)}${fileSafe(requestId)}.iso`;
}

/** `local:iso/<file>` */
export function isoVolumeId(storage: string, fileName: string): string {
  return `${storage}:iso/${fileName}`;
}

/** The file name of an `iso` volume ID (`local:iso/x.iso` → `x.iso`), or undefined for other volumes. */
export function isoFileOf(volid: string): string | undefined {
  const m = /^[^:]+:iso\/(.+)$/.exec(volid);
  return m?.[1];
}
