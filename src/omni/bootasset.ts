import { createHash } from "node:crypto";
import { OmniError } from "./errors.ts";

export type BootAssetKind = "iso" | "disk" | "pxe";

/** Omni's default image factory. */
export const DEFAULT_IMAGE_FACTORY_URL = "https://factory.talos.dev";

export interface BootAssetSpec {
  kind: BootAssetKind;
  talosVersion: string;
  schematicId: string;
  /** e.g. `nocloud`, `metal`. */
  platform: string;
  /** e.g. `amd64`, `arm64`. */
  architecture: string;
  /** Disk image format, e.g. `raw.xz`, `qcow2` (DISK only). */
  format?: string;
  secureBoot?: boolean;
}

export interface BootAssetLocation {
  url: string;
  /** Host of the factory the URL points at (the PXE host for PXE). */
  imageFactoryHost: string;
  /** Stable, opaque cache key for the asset (independent of credentials). */
  storageKey: string;
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function checkSegment(field: string, value: string | undefined): string {
  if (value === undefined || value === "" || value === "." || value === ".." || !SAFE_SEGMENT.test(value)) {
    throw new OmniError(
      "invalid",
      `boot asset ${field} "${value ?? ""}" is invalid: use a non-empty name of letters, digits, ".", "_" or "-"`,
    );
  }
  return value;
}

/** The version without leading `v`s, checked to be semver (e.g. "v1.13.8" → "1.13.8"). */
export function normalizeTalosVersion(version: string): string {
  const bare = version.replace(/^v+/, "");
  if (!SEMVER.test(bare)) {
    throw new OmniError("invalid", `Talos version "${version}" is not a semantic version like 1.13.8`);
  }
  return bare;
}

/** File name of a boot asset: `<platform>-<arch>[-secureboot][.iso|.<format>]`. */
export function bootAssetFilename(spec: BootAssetSpec): string {
  const platform = checkSegment("platform", spec.platform);
  const arch = checkSegment("architecture", spec.architecture);
  const stem = `${platform}-${arch}${spec.secureBoot ? "-secureboot" : ""}`;
  switch (spec.kind) {
    case "iso":
      return `${stem}.iso`;
    case "disk":
      return `${stem}.${checkSegment("format", spec.format)}`;
    case "pxe":
      return stem;
    default:
      throw new OmniError("invalid", `boot asset kind "${String(spec.kind)}" is invalid: use iso, disk or pxe`);
  }
}

function trimBase(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new OmniError("invalid", `image factory URL "${base}" is not a URL`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * The PXE base for a factory: the factory URL with its host prefixed by `pxe.`. Built as text, because the WHATWG
 * URL parser rejects hosts such as `pxe.127.0.0.1` that Go accepts.
 */
export function defaultPxeBase(factoryBase: string): string {
  const url = new URL(trimBase(factoryBase));
  return `${url.protocol}//pxe.${url.host}${url.pathname}`.replace(/\/+$/, "");
}

/** `host[:port]` of a base URL, read as text (see defaultPxeBase). */
function hostOf(base: string): string {
  return base
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/[/?#].*$/, "")
    .replace(/^.*@/, "");
}

/**
 * Builds the image factory URL of a boot asset the way Omni's GetBootAssetURL does (without credentials): ISO and
 * disk images under `<factory>/image/...`, PXE under `<pxe base>/pxe/...`.
 *
 * @example
 * buildBootAssetLocation({ kind: "iso", talosVersion: "1.13.8", schematicId: id, platform: "nocloud", architecture: "amd64" },
 *   { factoryBaseUrl: "https://factory.talos.dev" }).url;
 * // "https://factory.talos.dev/image/<id>/v1.13.8/nocloud-amd64.iso"
 */
export function buildBootAssetLocation(
  spec: BootAssetSpec,
  factory: { factoryBaseUrl?: string; pxeBaseUrl?: string } = {},
): BootAssetLocation {
  const schematicId = checkSegment("schematic ID", spec.schematicId);
  const version = `v${normalizeTalosVersion(spec.talosVersion)}`;
  const filename = bootAssetFilename(spec);
  const factoryBase = trimBase(factory.factoryBaseUrl || DEFAULT_IMAGE_FACTORY_URL);
  const pxe = spec.kind === "pxe";
  const base = pxe ? (factory.pxeBaseUrl ? trimBase(factory.pxeBaseUrl) : defaultPxeBase(factoryBase)) : factoryBase;
  const prefix = pxe ? "pxe" : "image";
  const storageKey = createHash("sha256")
    .update([base, prefix, schematicId, version, filename].join("\0"))
    .digest("hex");
  return {
    url: `${base}/${prefix}/${schematicId}/${version}/${filename}`,
    imageFactoryHost: hostOf(base),
    storageKey,
  };
}
