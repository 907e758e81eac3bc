/** Shared test inputs: the seed's matrix-control-plane class placed on foxtrot with vm_ssd. */
import type { VmProviderData, VmSpecInput } from "../types.ts";

export const requestId = "talos-prod-01-control-planes-x7k2p";
export const machineUuid = "7d3c2b1a-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

/** The seed's matrix-control-plane class, placed on foxtrot with vm_ssd. */
export function seedInput(data: Partial<VmProviderData> = {}, extra: Partial<VmSpecInput> = {}): VmSpecInput {
  return {
    data: {
      cores: 4,
      sockets: 1,
      memory: 16384,
      disk_size: 100,
      network_bridge: "vmbr0",
      disk_ssd: true,
      disk_discard: true,
      ...data,
    },
    placement: { node: "foxtrot", diskStorage: "vm_ssd", isoVolume: "local:iso/3f1c9a.iso" },
    vmid: 1001,
    providerId: "matrix-cluster",
    requestId,
    machineUuid,
    identity: { kind: "token", tokenId: "omni@pve!provider" },
    ...extra,
  };
}
