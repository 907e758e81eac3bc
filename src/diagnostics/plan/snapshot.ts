/** One read of `/cluster/resources`, turned into placement's snapshot. `plan` reads nothing else. */
import type { ClusterResource as PlacementResource } from "../../provider/placement/index.ts";
import { type ClusterSnapshot, snapshotFromClusterResources } from "../../provider/placement/index.ts";
import { readVmMarks } from "../../provider/vmspec/index.ts";
import type { ProxmoxClient } from "../../proxmox/index.ts";

/**
 * @example
 * const snapshot = await readClusterSnapshot(pve);
 */
export async function readClusterSnapshot(pve: ProxmoxClient): Promise<ClusterSnapshot> {
  const resources = (await pve.clusterResources()) as unknown as PlacementResource[];
  return snapshotFromClusterResources(resources, (_tags, vm) => {
    const requestId = readVmMarks({ ...(vm.tags ? { tags: vm.tags } : {}) }).requestId;
    return requestId ? { requestId } : {};
  });
}
