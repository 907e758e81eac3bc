/**
 * Omni's rules for infra-provider identities (protocol notes §5), as pure decisions over the store: which
 * namespaces and types a provider may touch, label forcing and filtering, read-only types, ID checks.
 * Admin callers pass every check unchanged.
 */
import type { Caller } from "./auth.ts";
import { simError } from "./errors.ts";
import { bytesEqual, LABEL, NS, type Resource, recordsEqual, TYPE } from "./model.ts";
import type { ResourceStore } from "./store.ts";

export type Operation = "read" | "create" | "update" | "destroy";

/** How a call must be restricted once admitted. */
export type Policy =
  | { mode: "unrestricted" }
  | { mode: "shared"; providerId: string; readOnlyType: boolean; idMustBeProvider: boolean }
  | { mode: "read-only" };

/** Infra types reachable in the shared namespaces, by namespace. */
const SHARED_TYPES: Record<string, ReadonlySet<string>> = {
  [NS.infra]: new Set([
    TYPE.machineRequest,
    TYPE.machineRequestStatus,
    TYPE.machineRegistration,
    TYPE.configPatchRequest,
    TYPE.providerStatus,
    TYPE.infraProvider,
    TYPE.providerJoinConfig,
    TYPE.infraMachine,
    TYPE.infraMachineStatus,
    TYPE.bmcConfig,
  ]),
  [NS.infraEphemeral]: new Set([TYPE.providerHealthStatus]),
};

const READ_ONLY_TYPES: ReadonlySet<string> = new Set([
  TYPE.machineRequest,
  TYPE.machineRegistration,
  TYPE.providerJoinConfig,
  TYPE.infraMachine,
  TYPE.bmcConfig,
]);

const ID_CHECKED_TYPES: ReadonlySet<string> = new Set([
  TYPE.providerStatus,
  TYPE.providerHealthStatus,
  TYPE.infraProvider,
]);

/** Types a provider may read outside the infra namespaces (§5.6), keyed `namespace/type`. */
const READABLE_OUTSIDE: ReadonlySet<string> = new Set([
  `${NS.default}/${TYPE.machine}`,
  `${NS.default}/${TYPE.siderolinkApiConfig}`,
  `${NS.default}/${TYPE.connectionParams}`,
  `${NS.meta}/${TYPE.namespace}`,
  `${NS.meta}/${TYPE.resourceDefinition}`,
  `${NS.default}/${TYPE.featuresConfig}`,
  `${NS.default}/TalosExtensions.omni.sidero.dev`,
  `${NS.default}/${TYPE.talosVersion}`,
  `${NS.default}/KubernetesVersions.omni.sidero.dev`,
  `${NS.default}/InstallationMedias.omni.sidero.dev`,
  `${NS.default}/SysVersions.omni.sidero.dev`,
]);

const PROVIDER_NS_PREFIX = "infra-provider:";

function isInfraNamespace(namespace: string): boolean {
  return namespace === NS.infra || namespace === NS.infraEphemeral || namespace.startsWith(PROVIDER_NS_PREFIX);
}

/**
 * Admit one call or throw the error Omni answers with.
 *
 * @example
 * const policy = authorize(caller, "infra-provider", TYPE.machineRequest, "read", store);
 */
export function authorize(
  caller: Caller,
  namespace: string,
  type: string,
  operation: Operation,
  store: ResourceStore,
): Policy {
  if (caller.kind === "admin") return { mode: "unrestricted" };
  const id = caller.providerId;
  if (!isInfraNamespace(namespace)) {
    if (!READABLE_OUTSIDE.has(`${namespace}/${type}`)) {
      throw simError("permission_denied", `no access is permitted to ${type} in namespace "${namespace}"`);
    }
    if (operation !== "read") {
      throw simError("permission_denied", `only read access is permitted to ${type} in namespace "${namespace}"`);
    }
    return { mode: "read-only" };
  }
  if (!store.get(NS.infra, TYPE.infraProvider, id)) {
    throw simError("permission_denied", `infra provider with name "${id}" is not registered in the system`);
  }
  const own = `${PROVIDER_NS_PREFIX}${id}`;
  if (namespace.startsWith(PROVIDER_NS_PREFIX)) {
    if (namespace !== own) {
      throw simError(
        "permission_denied",
        `namespace not allowed, must be one of: ${NS.infra}, ${NS.infraEphemeral}, ${own}`,
      );
    }
    const suffix = `.${id}.infraprovider.sidero.dev`;
    if (!type.endsWith(suffix)) {
      throw simError(
        "invalid_argument",
        `resources in namespace "${own}" must have a type suffix "${suffix}", got type "${type}"`,
      );
    }
    return { mode: "unrestricted" };
  }
  if (!SHARED_TYPES[namespace]?.has(type)) {
    throw simError("permission_denied", `no access is permitted to ${type} in namespace "${namespace}"`);
  }
  return {
    mode: "shared",
    providerId: id,
    readOnlyType: READ_ONLY_TYPES.has(type),
    idMustBeProvider: ID_CHECKED_TYPES.has(type),
  };
}

/** Whether a resource is visible to the policy's provider (shared namespaces filter by label). */
export function visibleUnder(policy: Policy, resource: Resource): boolean {
  return policy.mode !== "shared" || resource.metadata.labels[LABEL.infraProviderId] === policy.providerId;
}

/** Apply create rules; returns the resource to store (label forced). */
export function admitCreate(policy: Policy, resource: Resource): Resource {
  if (policy.mode !== "shared") return resource;
  const m = resource.metadata;
  if (policy.readOnlyType) {
    throw simError("permission_denied", `infra providers are not allowed to create ${m.type} resources`);
  }
  if (policy.idMustBeProvider && m.id !== policy.providerId) {
    throw simError(
      "invalid_argument",
      `resource ID must match the infra provider ID "${policy.providerId}", got "${m.id}"`,
    );
  }
  m.labels = { ...m.labels, [LABEL.infraProviderId]: policy.providerId };
  return resource;
}

/** Apply update rules against the stored resource; returns the resource to store (label re-forced). */
export function admitUpdate(policy: Policy, next: Resource, stored: Resource | undefined): Resource {
  if (policy.mode !== "shared") return next;
  const m = next.metadata;
  if (!stored) throw notFound(m.namespace, m.type, m.id);
  if (policy.readOnlyType && !onlyFinalizersDiffer(next, stored)) {
    throw simError(
      "permission_denied",
      `infra providers are not allowed to update ${m.type} resources other than setting finalizers`,
    );
  }
  if (!visibleUnder(policy, stored)) throw notFound(m.namespace, m.type, m.id);
  m.labels = { ...m.labels, [LABEL.infraProviderId]: policy.providerId };
  return next;
}

/** Apply destroy rules (also used to authorise Teardown). */
export function admitDestroy(
  policy: Policy,
  stored: Resource | undefined,
  namespace: string,
  type: string,
  id: string,
): void {
  if (policy.mode !== "shared") return;
  if (policy.readOnlyType) {
    throw simError("permission_denied", `infra providers are not allowed to destroy ${type} resources`);
  }
  if (!stored || !visibleUnder(policy, stored)) throw notFound(namespace, type, id);
}

export function notFound(namespace: string, type: string, id: string) {
  return simError("not_found", `resource ${type}(${namespace}/${id}@undefined) not found`);
}

function onlyFinalizersDiffer(next: Resource, stored: Resource): boolean {
  const a = next.metadata;
  const b = stored.metadata;
  return (
    a.namespace === b.namespace &&
    a.type === b.type &&
    a.id === b.id &&
    a.phase === b.phase &&
    a.owner === b.owner &&
    recordsEqual(a.labels, b.labels) &&
    recordsEqual(a.annotations, b.annotations) &&
    bytesEqual(next.spec.protoSpec, stored.spec.protoSpec)
  );
}
