/**
 * What a scenario left behind on the Proxmox side: VMs and volumes present now that were not in the
 * snapshot taken before it started (the `up-down` scenario must end with none).
 */
import type { PveSnapshot } from "../pve/admin.ts";

export interface Leftovers {
  vms: { vmid: number; node: string; name?: string }[];
  volumes: { volid: string; node?: string }[];
}

/**
 * @example
 * const before = pve.admin.snapshot();
 * // … run the scenario up and down …
 * const left = findLeftovers(before, pve.admin.snapshot());
 * left.vms.length === 0 && left.volumes.length === 0;
 */
export function findLeftovers(
  baseline: Pick<PveSnapshot, "vms" | "volumes">,
  current: Pick<PveSnapshot, "vms" | "volumes">,
): Leftovers {
  const oldVms = new Set(baseline.vms.map((v) => v.vmid));
  // Local storages hold one volume per node under the same volid: key by both.
  const volumeKey = (v: { volid: string; node?: string }) => `${v.node ?? ""}\u0000${v.volid}`;
  const oldVolumes = new Set(baseline.volumes.map(volumeKey));
  return {
    vms: current.vms
      .filter((v) => !oldVms.has(v.vmid))
      .map((v) => ({
        vmid: v.vmid,
        node: v.node,
        ...(typeof v.config.name === "string" ? { name: v.config.name } : {}),
      })),
    volumes: current.volumes
      .filter((v) => !oldVolumes.has(volumeKey(v)))
      .map((v) => ({ volid: v.volid, ...(v.node !== undefined ? { node: v.node } : {}) })),
  };
}
