/**
 * Finding and deleting files of ours in ISO-capable storages across the cluster: every online node's
 * local ISO storages plus each shared one once. Used by deprovision (the request's cidata image) and
 * garbage collection (orphaned cidata images and unreferenced Talos ISOs).
 */
import { isProxmoxError, type ProxmoxClient, type StorageVolume, type WaitOptions } from "../../proxmox/index.ts";
import { isoFileOf } from "../images/index.ts";
import type { ClusterView } from "../steps/index.ts";

export interface IsoLocation {
  readonly node: string;
  readonly storage: string;
  readonly shared: boolean;
}

/** Where ISO files can live right now (online nodes, active storages with `iso` content). */
export function isoLocations(view: ClusterView): IsoLocation[] {
  const online = new Set(view.nodes.filter((n) => n.status === "online").map((n) => n.node));
  const seenShared = new Set<string>();
  const out: IsoLocation[] = [];
  for (const s of view.storages) {
    if (!online.has(s.node) || s.status !== "available") continue;
    if (!(s.content ?? "").split(",").includes("iso")) continue;
    const shared = s.shared === 1;
    if (shared) {
      if (seenShared.has(s.storage)) continue;
      seenShared.add(s.storage);
    }
    out.push({ node: s.node, storage: s.storage, shared });
  }
  return out;
}

export interface IsoFile extends IsoLocation {
  readonly volid: string;
  readonly fileName: string;
  /** Creation time (epoch seconds), when Proxmox reports it. */
  readonly ctime?: number;
}

/** ISO files whose name passes `keep` at every location. */
export async function listIsoFiles(
  pve: ProxmoxClient,
  locations: readonly IsoLocation[],
  keep: (fileName: string) => boolean,
): Promise<IsoFile[]> {
  const out: IsoFile[] = [];
  for (const loc of locations) {
    let volumes: StorageVolume[];
    try {
      volumes = await pve.listStorageContent(loc.node, loc.storage, { content: "iso" });
    } catch (err) {
      // A node that went away between the snapshot and now: its files are looked at next time.
      if (isProxmoxError(err, "not_found", "node_unreachable", "unavailable")) continue;
      throw err;
    }
    for (const v of volumes) {
      const fileName = isoFileOf(v.volid);
      if (fileName === undefined || !keep(fileName)) continue;
      out.push({ ...loc, volid: v.volid, fileName, ...(v.ctime !== undefined ? { ctime: v.ctime } : {}) });
    }
  }
  return out;
}

/** Deletes one volume and waits; "already gone" is success. */
export async function deleteVolume(pve: ProxmoxClient, file: IsoFile, task: WaitOptions): Promise<void> {
  try {
    const upid = await pve.deleteVolume(file.node, file.storage, file.volid);
    await pve.waitForTask(upid, task);
  } catch (err) {
    if (isProxmoxError(err, "not_found")) return;
    if (isProxmoxError(err, "task_failed") && err.reason === "not_found") return;
    throw err;
  }
}
