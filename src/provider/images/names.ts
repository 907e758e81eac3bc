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
