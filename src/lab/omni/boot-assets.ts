/**
 * Boot-asset URLs as Omni's GetBootAssetURL builds them (protocol notes §8.4): validation, file names per
 * kind, the `image`/`pxe` URL layouts, and the storage key (SHA-256 over NUL-separated parts).
 */
import { createHash } from "node:crypto";
import { simError } from "./errors.ts";
import { parseSemverTolerant } from "./semver.ts";

export type BootAssetKind = "pxe" | "iso" | "disk";

export interface BootAssetRequest {
  kind: BootAssetKind | "unset";
  talosVersion: string;
  schematicId: string;
  platform: string;
  architecture: string;
  /** DISK only, e.g. `raw.xz`, `qcow2`. */
  format: string;
  secureBoot: boolean;
}

export interface BootAsset {
  url: string;
  headers: Record<string, string>;
  imageFactoryHost: string;
  storageKey: string;
}

export const DEFAULT_FACTORY_URL = "https://factory.talos.dev";

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * @example
 * bootAssetUrl({ kind: "iso", talosVersion: "1.13.8", schematicId: id, platform: "nocloud",
 *   architecture: "amd64", format: "", secureBoot: false }, "https://factory.talos.dev").url;
 * // "https://factory.talos.dev/image/<id>/v1.13.8/nocloud-amd64.iso"
 */
export function bootAssetUrl(request: BootAssetRequest, factoryBase: string = DEFAULT_FACTORY_URL): BootAsset {
  if (request.kind === "unset") {
    throw simError("invalid_argument", "boot_asset_kind must be set (PXE, ISO or DISK)");
  }
  checkSegment("platform", request.platform);
  checkSegment("architecture", request.architecture);
  checkSegment("schematic_id", request.schematicId);
  if (request.kind === "disk") checkSegment("format", request.format);
  const version = request.talosVersion.replace(/^v+/, "");
  if (!parseSemverTolerant(version)) {
    throw simError(
      "invalid_argument",
      `talos_version ${JSON.stringify(request.talosVersion)} is not a semantic version (e.g. 1.13.8)`,
    );
  }
  const secure = request.secureBoot ? "-secureboot" : "";
  const stem = `${request.platform}-${request.architecture}${secure}`;
  const fileName =
    request.kind === "iso" ? `${stem}.iso` : request.kind === "disk" ? `${stem}.${request.format}` : stem;
  const prefix = request.kind === "pxe" ? "pxe" : "image";
  const base = (request.kind === "pxe" ? pxeBase(factoryBase) : factoryBase).replace(/\/+$/, "");
  const versionSegment = `v${version}`;
  const url = `${base}/${prefix}/${request.schematicId}/${versionSegment}/${fileName}`;
  const storageKey = createHash("sha256")
    .update([base, prefix, request.schematicId, versionSegment, fileName].join("\0"))
    .digest("hex");
  return { url, headers: {}, imageFactoryHost: new URL(base).host, storageKey };
}

function pxeBase(factoryBase: string): string {
  const url = new URL(factoryBase);
  url.hostname = `pxe.${url.hostname}`;
  return url.toString();
}

function checkSegment(field: string, value: string): void {
  if (!value || !SAFE_SEGMENT.test(value) || value === "." || value === "..") {
    throw simError(
      "invalid_argument",
      `${field} ${JSON.stringify(value)} is invalid: use only letters, digits, ".", "_" and "-"`,
    );
  }
}
