/**
 * Builds the placement snapshot from one GET /cluster/resources answer (no per-node listings): nodes,
 * VMs with their configured maxmem/maxcpu, and one entry per (storage, node). Which VMs are ours, and
 * for which request, is read from their tags by the caller's `marksOf` (the tag format belongs to the
 * create step).
 */
import type { NodeFacts, StorageFacts } from "../selectors/index.ts";
import type { ClusterSnapshot, MachineRole, VmSnapshot } from "./types.ts";

/** The fields of a /cluster/resources entry placement reads (Proxmox sends 0/1 or booleans). */
export interface ClusterResource {
  readonly type: string;
  readonly id?: string;
  readonly node?: string;
  readonly status?: string;
  readonly name?: string;
  readonly vmid?: number;
  readonly maxcpu?: number;
  readonly maxmem?: number;
  readonly mem?: number;
  readonly cpu?: number;
  readonly disk?: number;
  readonly maxdisk?: number;
  readonly template?: boolean | number;
  readonly tags?: string;
  readonly storage?: string;
  readonly plugintype?: string;
  readonly content?: string;
  readonly shared?: boolean | number;
}

export interface VmMarks {
  readonly requestId?: string;
  readonly machineRequestSetId?: string;
  readonly role?: MachineRole;
}

function flag(value: boolean | number | undefined): boolean {
  return value === true || value === 1;
}

function num(value: number | undefined): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** Proxmox separates tags with `;` (and accepts `,` and spaces on input). */
export function splitTags(tags: string | undefined): string[] {
  return (tags ?? "").split(/[;,\s]+/).filter((t) => t !== "");
}

/**
 * @example
 * const snapshot = snapshotFromClusterResources(await pve.get("/cluster/resources"), (tags) => ourMarks(tags));
 */
export function snapshotFromClusterResources(
  resources: readonly ClusterResource[],
  marksOf: (tags: readonly string[], vm: ClusterResource) => VmMarks = () => ({}),
): ClusterSnapshot {
  const nodes: NodeFacts[] = [];
  const vms: VmSnapshot[] = [];
  const storages: StorageFacts[] = [];
  for (const r of resources) {
    if (r.type === "node" && r.node) {
      nodes.push({
        name: r.node,
        status: r.status ?? "unknown",
        maxcpu: num(r.maxcpu),
        maxmem: num(r.maxmem),
        mem: num(r.mem),
        cpu: num(r.cpu),
        tags: [],
      });
    } else if ((r.type === "qemu" || r.type === "lxc") && r.node && r.vmid !== undefined) {
      const tags = splitTags(r.tags);
      vms.push({
        vmid: r.vmid,
        node: r.node,
        maxmem: num(r.maxmem),
        maxcpu: num(r.maxcpu),
        template: flag(r.template),
        ...marksOf(tags, r),
      });
    } else if (r.type === "storage" && r.node && r.storage) {
      const total = num(r.maxdisk);
      const used = num(r.disk);
      // Only "available" storages are usable; "unknown" means disabled, not mounted or not on this node.
      const available = r.status === "available";
      storages.push({
        storage: r.storage,
        node: r.node,
        type: r.plugintype ?? "",
        content: (r.content ?? "").split(",").filter((c) => c !== ""),
        shared: flag(r.shared),
        active: available,
        enabled: available,
        avail: Math.max(0, total - used),
        total,
        used,
      });
    }
  }
  return { nodes, vms, storages };
}
