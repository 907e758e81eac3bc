import { OmniError } from "./errors.ts";
import {
  InfraProviderHealthStatusSpecSchema,
  InfraProviderSpecSchema,
  InfraProviderStatusSpecSchema,
  MachineRegistrationSpecSchema,
  MachineRequestSpecSchema,
  MachineRequestStatusSpecSchema,
} from "./gen/omni/specs/infra_pb.js";
import {
  ConfigPatchSpecSchema,
  FeaturesConfigSpecSchema,
  MachineSpecSchema,
  TalosVersionSpecSchema,
} from "./gen/omni/specs/omni_pb.js";
import {
  ConnectionParamsSpecSchema,
  ProviderJoinConfigSpecSchema,
  SiderolinkAPIConfigSpecSchema,
} from "./gen/omni/specs/siderolink_pb.js";
import { protoResourceType, type ResourceType, rawCodec, resourceType, type SpecCodec } from "./resource.ts";

// Namespaces.
export const NAMESPACE_INFRA_PROVIDER = "infra-provider";
export const NAMESPACE_INFRA_PROVIDER_EPHEMERAL = "infra-provider-ephemeral";
export const NAMESPACE_DEFAULT = "default";
export const NAMESPACE_META = "meta";

/** The provider-private namespace `infra-provider:<providerID>`. */
export function providerNamespace(providerId: string): string {
  return `${NAMESPACE_INFRA_PROVIDER}:${providerId}`;
}

// Labels and annotations.
export const LABEL_INFRA_PROVIDER_ID = "omni.sidero.dev/infra-provider-id";
export const LABEL_MACHINE_REQUEST = "omni.sidero.dev/machine-request";
export const LABEL_MACHINE_REQUEST_SET = "omni.sidero.dev/machine-request-set";
export const LABEL_INFRA_ID = "omni.sidero.dev/infra-id";
export const LABEL_MACHINE = "omni.sidero.dev/machine";
export const LABEL_SYSTEM_PATCH = "omni.sidero.dev/system-patch";
/** Annotation on the provider state resource naming the last persisted provision step. */
export const ANNOTATION_PROVISION_STEP = "infra.omni.sidero.dev/step";

// Fixed IDs.
export const SIDEROLINK_CONFIG_ID = "siderolink-config";
export const FEATURES_CONFIG_ID = "features-config";
/** ResourceDefinitions ID whose presence means "v2 join configs" (per-provider join tokens). */
export const PROVIDER_JOIN_CONFIGS_DEFINITION_ID = "providerjoinconfigs.omni.sidero.dev";

/** Finalizer the provider keeps on each MachineRequest it handles; also the provisioning loop's owner. */
export function provisionControllerName(providerId: string): string {
  return `${providerId}.ProvisionController`;
}

/** Finalizer put on MachineRequests (same string as the provisioning owner). */
export const provisionFinalizer = provisionControllerName;

/** Owner of the InfraProviderHealthStatus resource. */
export function healthStatusControllerName(providerId: string): string {
  return `${providerId}.ProviderHealthStatusController`;
}

/** Owner of InfraProviderStatus (none). */
export const INFRA_PROVIDER_STATUS_OWNER = "";

// Resource types (omni-protocol.md §4.2).
export const MachineRequests = protoResourceType(
  MachineRequestSpecSchema,
  "MachineRequests.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const MachineRequestStatuses = protoResourceType(
  MachineRequestStatusSpecSchema,
  "MachineRequestStatuses.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const InfraMachineRegistrations = protoResourceType(
  MachineRegistrationSpecSchema,
  "InfraMachineRegistrations.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const ConfigPatchRequests = protoResourceType(
  ConfigPatchSpecSchema,
  "ConfigPatchRequests.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const InfraProviderStatuses = protoResourceType(
  InfraProviderStatusSpecSchema,
  "InfraProviderStatuses.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const InfraProviderHealthStatuses = protoResourceType(
  InfraProviderHealthStatusSpecSchema,
  "InfraProviderHealthStatuses.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER_EPHEMERAL,
);
export const InfraProviders = protoResourceType(
  InfraProviderSpecSchema,
  "InfraProviders.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const ProviderJoinConfigs = protoResourceType(
  ProviderJoinConfigSpecSchema,
  "ProviderJoinConfigs.omni.sidero.dev",
  NAMESPACE_INFRA_PROVIDER,
);
export const SiderolinkAPIConfigs = protoResourceType(
  SiderolinkAPIConfigSpecSchema,
  "SiderolinkAPIConfigs.omni.sidero.dev",
  NAMESPACE_DEFAULT,
);
export const ConnectionParams = protoResourceType(
  ConnectionParamsSpecSchema,
  "ConnectionParams.omni.sidero.dev",
  NAMESPACE_DEFAULT,
);
/** COSI resource definitions; only their IDs (lowercase type strings) matter to a provider. */
export const ResourceDefinitions = resourceType("ResourceDefinitions.meta.cosi.dev", NAMESPACE_META, rawCodec);
export const FeaturesConfigs = protoResourceType(
  FeaturesConfigSpecSchema,
  "FeaturesConfigs.omni.sidero.dev",
  NAMESPACE_DEFAULT,
);
export const TalosVersions = protoResourceType(
  TalosVersionSpecSchema,
  "TalosVersions.omni.sidero.dev",
  NAMESPACE_DEFAULT,
);
export const Machines = protoResourceType(MachineSpecSchema, "Machines.omni.sidero.dev", NAMESPACE_DEFAULT);

/** Every Omni-defined type above, by type string (tests, diagnostics). */
export const OMNI_RESOURCE_TYPES: readonly ResourceType<unknown>[] = [
  MachineRequests,
  MachineRequestStatuses,
  InfraMachineRegistrations,
  ConfigPatchRequests,
  InfraProviderStatuses,
  InfraProviderHealthStatuses,
  InfraProviders,
  ProviderJoinConfigs,
  SiderolinkAPIConfigs,
  ConnectionParams,
  ResourceDefinitions,
  FeaturesConfigs,
  TalosVersions,
  Machines,
] as readonly ResourceType<unknown>[];

const PROVIDER_TYPE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** The type string of a provider-defined resource: `<Name>.<providerID>.infraprovider.sidero.dev`. */
export function providerStateTypeName(providerId: string, name: string): string {
  return `${name}.${providerId}.infraprovider.sidero.dev`;
}

/**
 * A provider-defined resource type living in `infra-provider:<providerID>`, e.g. the provisioning state
 * `Machine.proxmox.infraprovider.sidero.dev`. Omni stores its spec opaquely; `codec` decides the bytes (see
 * `jsonCodec`).
 *
 * @example
 * const MachineState = providerStateType("proxmox", "Machine", jsonCodec(() => ({ vmid: 0 })));
 */
export function providerStateType<S>(providerId: string, name: string, codec: SpecCodec<S>): ResourceType<S> {
  if (!PROVIDER_TYPE_NAME.test(name)) {
    throw new OmniError("invalid", `provider resource name "${name}" must be alphanumeric, starting with a letter`);
  }
  if (providerId === "") throw new OmniError("invalid", "provider ID is empty; it comes from the service-account key");
  return resourceType(providerStateTypeName(providerId, name), providerNamespace(providerId), codec);
}
