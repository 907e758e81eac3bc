/**
 * One `/cluster/resources` call, turned into what placement, adoption, deprovision and garbage
 * collection read: nodes, VMs (with our marks from their tags) and storages. Cluster-wide by design:
 * a VM is found wherever it runs now, not where it was created.
 */
import type { ClusterResource, NodeResource, ProxmoxClient, StorageResource, VmResource } from "../../proxmox/index.ts";
import type { ClusterSnapshot, MachineRole, Reservation, VmSnapshot } from "../placement/index.ts";
import type { NodeFacts, StorageFacts } from "../selectors/index.ts";
import { MANAGED_TAG, PROVIDER_TAG_PREFIX, REQUEST_TAG_PREFIX, tagSafe } from "../vmspec/index.ts";

export interface ClusterView {
  readonly nodes: readonly NodeResource[];
  readonly vms: readonly VmResource[];
  readonly storages: readonly StorageResource[];
}

/** Reads nodes, VMs and storages in one call. */
export async function readCluster(pve: ProxmoxClient): Promise<ClusterView> {
  const all = await pve.call<ClusterResource[]>("GET", "/cluster/resources");
  const list = all ?? [];
  return {
    nodes: list.filter((r): r is NodeResource => r.type === "node"),
    vms: list.filter((r): r is VmResource => r.type === "qemu"),
    storages: list.filter((r): r is StorageResource => r.type === "storage"),
  };
}

/** Tags of a VM as Proxmox lists them (`a;b;c`), lower-cased. */
export function tagsOf(vm: { readonly tags?: string | undefined }): string[] {
  return (vm.tags ?? "")
    .split(/[;, ]+/)
    .filter((t) => t !== "")
    .map((t) => t.toLowerCase());
}

/** True when the VM carries this provider's tags (a hint; the description marks are authoritative). */
export function hasProviderTags(vm: { readonly tags?: string | undefined }, providerId: string): boolean {
  const tags = tagsOf(vm);
  return tags.includes(MANAGED_TAG) && tags.includes(`${PROVIDER_TAG_PREFIX}${tagSafe(providerId)}`);
}

/** True when the VM carries this provider's tags for this request. */
export function hasRequestTags(
  vm: { readonly tags?: string | undefined },
  providerId: string,
  requestId: string,
): boolean {
  return hasProviderTags(vm, providerId) && tagsOf(vm).includes(`${REQUEST_TAG_PREFIX}${tagSafe(requestId)}`);
}

/** The request a VM's tags name, if it is one of this provider's. */
export function requestTagOf(vm: { readonly tags?: string | undefined }, providerId: string): string | undefined {
  if (!hasProviderTags(vm, providerId)) return undefined;
  const tag = tagsOf(vm).find((t) => t.startsWith(REQUEST_TAG_PREFIX));
  return tag?.slice(REQUEST_TAG_PREFIX.length);
}

function nodeFacts(n: NodeResource): NodeFacts {
  return {
    name: n.node,
    status: n.status,
    maxcpu: n.maxcpu ?? 0,
    maxmem: n.maxmem ?? 0,
    mem: n.mem ?? 0,
    cpu: n.cpu ?? 0,
  };
}

function storageFacts(s: StorageResource): StorageFacts {
  const total = s.maxdisk ?? 0;
  const used = s.disk ?? 0;
  const available = s.status === "available";
  return {
    storage: s.storage,
    node: s.node,
    type: s.plugintype ?? "",
    content: (s.content ?? "").split(",").filter((c) => c !== ""),
    shared: s.shared === 1,
    // /cluster/resources lists a storage as "available" only when it is enabled and active on the node.
    active: available,
    enabled: available,
    avail: Math.max(0, total - used),
    total,
    used,
  };
}

/**
 * The placement snapshot. VMs of our in-flight requests get their machine request set and role from
 * the reservations (request tag → reservation), so spreading counts VMs and reservations alike.
 */
export function placementSnapshot(
  view: ClusterView,
  providerId: string,
  reservations: readonly Reservation[],
): ClusterSnapshot {
  const byTag = new Map<string, Reservation>();
  for (const r of reservations) byTag.set(tagSafe(r.requestId), r);
  const vms: VmSnapshot[] = view.vms.map((vm) => {
    const tag = requestTagOf(vm, providerId);
    const r = tag === undefined ? undefined : byTag.get(tag);
    const role: MachineRole | undefined = r?.role;
    return {
      vmid: vm.vmid,
      node: vm.node,
      maxmem: vm.maxmem ?? 0,
      maxcpu: vm.maxcpu ?? 0,
      ...(vm.template === 1 ? { template: true } : {}),
      ...(r ? { requestId: r.requestId } : {}),
      ...(r?.machineRequestSetId !== undefined ? { machineRequestSetId: r.machineRequestSetId } : {}),
      ...(role !== undefined ? { role } : {}),
    };
  });
  return { nodes: view.nodes.map(nodeFacts), vms, storages: view.storages.map(storageFacts) };
}
