/**
 * The simulator's own resource model (plain data, independent of the generated protobuf classes) and the
 * Omni names it needs: namespaces, type strings, labels (protocol notes §4).
 */

export type Phase = "running" | "tearingDown";

export interface ResourceMetadata {
  namespace: string;
  type: string;
  id: string;
  /** Stored versions start at 1; 0 only appears in tombstones ("undefined" on the wire). */
  version: number;
  owner: string;
  phase: Phase;
  /** Unix milliseconds. */
  created: number;
  updated: number;
  finalizers: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ResourceSpec {
  protoSpec: Uint8Array;
  yamlSpec: string;
}

export interface Resource {
  metadata: ResourceMetadata;
  spec: ResourceSpec;
}

export const NS = {
  infra: "infra-provider",
  infraEphemeral: "infra-provider-ephemeral",
  default: "default",
  meta: "meta",
} as const;

/** `infra-provider:<id>`: the provider-private namespace. */
export function providerNamespace(providerId: string): string {
  return `infra-provider:${providerId}`;
}

export const TYPE = {
  machineRequest: "MachineRequests.omni.sidero.dev",
  machineRequestStatus: "MachineRequestStatuses.omni.sidero.dev",
  machineRegistration: "InfraMachineRegistrations.omni.sidero.dev",
  configPatchRequest: "ConfigPatchRequests.omni.sidero.dev",
  providerStatus: "InfraProviderStatuses.omni.sidero.dev",
  providerHealthStatus: "InfraProviderHealthStatuses.omni.sidero.dev",
  infraProvider: "InfraProviders.omni.sidero.dev",
  providerJoinConfig: "ProviderJoinConfigs.omni.sidero.dev",
  infraMachine: "InfraMachines.omni.sidero.dev",
  infraMachineStatus: "InfraMachineStatuses.omni.sidero.dev",
  bmcConfig: "BMCConfigs.omni.sidero.dev",
  siderolinkApiConfig: "SiderolinkAPIConfigs.omni.sidero.dev",
  connectionParams: "ConnectionParams.omni.sidero.dev",
  machine: "Machines.omni.sidero.dev",
  featuresConfig: "FeaturesConfigs.omni.sidero.dev",
  talosVersion: "TalosVersions.omni.sidero.dev",
  publicKey: "PublicKeys.omni.sidero.dev",
  namespace: "Namespaces.meta.cosi.dev",
  resourceDefinition: "ResourceDefinitions.meta.cosi.dev",
} as const;

export const LABEL = {
  infraProviderId: "omni.sidero.dev/infra-provider-id",
  machineRequest: "omni.sidero.dev/machine-request",
  machineRequestSet: "omni.sidero.dev/machine-request-set",
  infraId: "omni.sidero.dev/infra-id",
  machine: "omni.sidero.dev/machine",
} as const;

/** Identity suffix of infra-provider service accounts (§2.4). */
export const PROVIDER_IDENTITY_SUFFIX = "@infra-provider.serviceaccount.omni.sidero.dev";

export function resourceKey(namespace: string, type: string, id: string): string {
  return `${namespace}\u0000${type}\u0000${id}`;
}

export function kindKey(namespace: string, type: string): string {
  return `${namespace}\u0000${type}`;
}

/** A deep copy, so stored state never aliases what callers hold. */
export function cloneResource(resource: Resource): Resource {
  const m = resource.metadata;
  return {
    metadata: {
      ...m,
      finalizers: [...m.finalizers],
      labels: { ...m.labels },
      annotations: { ...m.annotations },
    },
    spec: { protoSpec: new Uint8Array(resource.spec.protoSpec), yamlSpec: resource.spec.yamlSpec },
  };
}

/** The placeholder resource BOOTSTRAPPED/NOOP/initial-DESTROYED events carry. */
export function tombstone(namespace: string, type: string, id = ""): Resource {
  return {
    metadata: {
      namespace,
      type,
      id,
      version: 0,
      owner: "",
      phase: "running",
      created: 0,
      updated: 0,
      finalizers: [],
      labels: {},
      annotations: {},
    },
    spec: { protoSpec: new Uint8Array(), yamlSpec: "" },
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function recordsEqual(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/** Fields an admin-side caller gives when building a resource; the rest defaults. */
export interface ResourceInput {
  namespace: string;
  type: string;
  id: string;
  owner?: string;
  phase?: Phase;
  version?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  protoSpec?: Uint8Array;
  yamlSpec?: string;
}

export function newResource(input: ResourceInput): Resource {
  return {
    metadata: {
      namespace: input.namespace,
      type: input.type,
      id: input.id,
      version: input.version ?? 0,
      owner: input.owner ?? "",
      phase: input.phase ?? "running",
      created: 0,
      updated: 0,
      finalizers: [...(input.finalizers ?? [])],
      labels: { ...input.labels },
      annotations: { ...input.annotations },
    },
    spec: { protoSpec: input.protoSpec ?? new Uint8Array(), yamlSpec: input.yamlSpec ?? "" },
  };
}
