export { ProviderDataError, type ProviderDataIssue, type ProviderDataIssueCode } from "./issues.ts";
export { providerDataJsonSchema } from "./json-schema.ts";
export { type KeyDoc, PROVIDER_DATA_KEYS } from "./keys.ts";
export { type MachineClassResult, parseMachineClass } from "./machine-class.ts";
export { parseCidr, parseIp, parseVmidRange } from "./network.ts";
export { MAX_PROVIDER_DATA_BYTES, type ParseResult, parseProviderData } from "./parse.ts";
export { ROOT_PASSWORD_ONLY_KEYS } from "./rules.ts";
export {
  type AdditionalDisk,
  type AdditionalNic,
  type HaConfig,
  type PciDevice,
  type PlacementStrategy,
  type ProviderData,
  type ProviderDataInput,
  providerDataSchema,
  type UsbDevice,
} from "./schema.ts";
