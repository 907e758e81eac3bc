/**
 * The NoCloud "cidata" image a Talos VM reads its join configuration from: an ISO 9660 volume labelled
 * `cidata` holding `user-data`, `meta-data` and optionally `network-config` / `vendor-data`.
 */
import { writeIso9660 } from "./iso9660.ts";

export type { CidataErrorCode } from "./errors.ts";
export { CidataError, isCidataError } from "./errors.ts";
export type { Iso9660Options, IsoFile } from "./iso9660.ts";
export { SECTOR_SIZE, writeIso9660 } from "./iso9660.ts";
export type { NocloudMetaDataInput } from "./metadata.ts";
export { nocloudMetaData } from "./metadata.ts";
export type { StaticInterface, StaticNetworking } from "./network-config.ts";
export { nocloudNetworkConfig } from "./network-config.ts";
export type { StaticNetworkingData } from "./static-networking.ts";
export { staticNetworkingFor } from "./static-networking.ts";

/** The filesystem label NoCloud (and Talos's nocloud platform) looks for. */
export const CIDATA_VOLUME_ID = "cidata";
/** 300 KiB of trailing zeros, the padding cloud-localds / genisoimage images carry. */
const CIDATA_PADDING_SECTORS = 150;

export interface CidataInput {
  /** The Talos join configuration (Omni's machine config document). */
  readonly userData: string | Uint8Array;
  /** NoCloud meta-data, normally from {@link nocloudMetaData}. */
  readonly metaData: string | Uint8Array;
  /** NoCloud network-config, only for static networking ({@link nocloudNetworkConfig}). */
  readonly networkConfig?: string | Uint8Array;
  readonly vendorData?: string | Uint8Array;
  /** Recorded in every timestamp of the image: equal inputs give byte-identical images. */
  readonly createdAt: Date;
}

/**
 * Builds the cidata ISO: Rock Ridge names, volume label `cidata`, no Joliet (a Joliet descriptor is
 * what made Talos miss the volume after the Go provider's library upgrade, upstream issue #84).
 *
 * @example
 * const iso = buildCidataIso({
 *   userData: joinConfig,
 *   metaData: nocloudMetaData({ instanceId: uuid, hostname: requestId }),
 *   createdAt: new Date(request.createdAt),
 * });
 * // upload `iso` as <storage>:iso/<name>.iso and attach it as a CD-ROM
 */
export function buildCidataIso(input: CidataInput): Uint8Array {
  const bytes = (value: string | Uint8Array) => (typeof value === "string" ? new TextEncoder().encode(value) : value);
  const files = [
    { name: "user-data", data: bytes(input.userData) },
    { name: "meta-data", data: bytes(input.metaData) },
  ];
  if (input.networkConfig !== undefined) files.push({ name: "network-config", data: bytes(input.networkConfig) });
  if (input.vendorData !== undefined) files.push({ name: "vendor-data", data: bytes(input.vendorData) });
  return writeIso9660({
    volumeId: CIDATA_VOLUME_ID,
    files,
    createdAt: input.createdAt,
    applicationId: "OMNI-PROXMOX",
    trailingPaddingSectors: CIDATA_PADDING_SECTORS,
  });
}
