/**
 * The Proxmox VE API client. See README.md in this folder.
 *
 * @example
 * import { ProxmoxClient, isProxmoxError } from "../proxmox/index.ts";
 */
export {
  type ApiToken,
  type CredentialSettings,
  type Credentials,
  parseApiToken,
  resolveCredentials,
  TICKET_RENEW_AFTER_MS,
  type TicketGrant,
  TicketSession,
  tokenHeader,
} from "./auth.ts";
export {
  type DownloadUrlParams,
  type HaRuleParams,
  ProxmoxClient,
  type ProxmoxClientOptions,
  type UploadParams,
  type VmCreateParams,
} from "./client.ts";
export { endpointTemplate } from "./endpoint.ts";
export {
  classifyMessage,
  classifyResponse,
  type ErrorResponse,
  isProxmoxError,
  PROXMOX_ERROR_CODES,
  ProxmoxError,
  type ProxmoxErrorCode,
  type ProxmoxErrorDetails,
} from "./errors.ts";
export { type UploadSource, uploadBody } from "./multipart.ts";
export {
  decodePropertyString,
  decodeSmbios1,
  encodePropertyString,
  encodeSmbios1,
  formatForConfigKey,
  NET_MODELS,
  PROPERTY_STRING_FORMATS,
  type PropertyFields,
  type PropertyInput,
  type PropertyStringFormat,
  parsePropertyBoolean,
  type Smbios1Fields,
} from "./propstring.ts";
export { isTaskSuccess, type TaskLogLine, type TaskStatus, type WaitOptions, waitForTask } from "./tasks.ts";
export { createDispatcher, FINGERPRINT_MISMATCH, normalizeFingerprint, type TlsSettings } from "./tls.ts";
export { DEFAULT_RETRY, encodeParams, type RequestRecord, type RetryPolicy } from "./transport.ts";
export type * from "./types.ts";
export { formatUpid, isUpid, parseUpid, type Upid } from "./upid.ts";
export {
  type CreateWithVmidOptions,
  createVmWithFreshVmid,
  VmidAllocator,
  type VmidClient,
  type VmidLease,
  type VmidRange,
} from "./vmid.ts";
