/**
 * The Omni API simulator: `startOmniSimulator(options)` and the pieces tests and the lab drive directly.
 */
export type { MachineJoin, MachineRequestInput, OmniAdmin } from "./admin.ts";
export { type BootAsset, type BootAssetRequest, bootAssetUrl, DEFAULT_FACTORY_URL } from "./boot-assets.ts";
export { type OmniErrorCode, OmniSimError } from "./errors.ts";
export { encodeJoinToken, JoinTokenError, type JoinTokenErrorCode, parseJoinToken } from "./jointoken.ts";
export type { MintOptions } from "./keys.ts";
export { LABEL, NS, newResource, providerNamespace, type Resource, type ResourceInput, TYPE } from "./model.ts";
export { LABEL_OP } from "./query.ts";
export { CONFIG_PATCH_FINALIZER } from "./reactions.ts";
export { type OmniSimulator, type OmniSimulatorOptions, startOmniSimulator } from "./server.ts";
export { encodeMachineRequestSpec, type MachineRequestSpecFields } from "./specs.ts";
export type { StoreEvent } from "./store.ts";
export type { WatchEvent, WatchStream } from "./watch.ts";
