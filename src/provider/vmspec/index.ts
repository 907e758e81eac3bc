/**
 * The Proxmox VM definition of one machine request: `buildVmSpec` (create parameters), the cidata
 * drive attachment, our identifying marks, stable MACs and the root-only option check.
 */
export type { VmConfigValue, VmSpec } from "./build.ts";
export {
  BOOT_ORDER,
  buildVmSpec,
  CIDATA_DRIVE,
  cidataDrive,
  DEFAULT_BRIDGE,
  DEFAULT_CPU_TYPE,
  encodeVmConfig,
  TALOS_ISO_DRIVE,
} from "./build.ts";
export type { VmSpecErrorCode } from "./errors.ts";
export { isVmSpecError, VmSpecError } from "./errors.ts";
export { isUnicastMac, stableMac } from "./mac.ts";
export type { VmMarks, VmMarksInput } from "./marks.ts";
export {
  MANAGED_TAG,
  markTags,
  PROVIDER_TAG_PREFIX,
  REQUEST_TAG_PREFIX,
  readVmMarks,
  tagSafe,
  vmDescription,
  vmNameFor,
  vmTags,
} from "./marks.ts";
export { canSetRootOnlyOptions, explainRootOnlyOptions } from "./root-only.ts";
export type {
  AdditionalNic,
  ApiIdentity,
  Bios,
  DiskAio,
  DiskCache,
  DiskOptions,
  Hugepages,
  PciDevice,
  UsbDevice,
  VmPlacement,
  VmProviderData,
  VmSpecInput,
} from "./types.ts";
