/**
 * `doctor --print-role`: pveum commands for a least-privilege role, from requirementsFor. With a
 * connection and classes, for exactly this cluster's nodes, storages and bridges; without, a generic
 * role whose ACLs sit on the parent paths (`/nodes`, `/storage`, …) and propagate.
 */
import { pveumCommands, type Requirement, requirementsFor } from "../../provider/permissions/requirements.ts";

export const DEFAULT_ROLE = { user: "omni@pve", token: "provider", role: "OmniProxmoxProvider" } as const;

const ANY = "__any__";

/**
 * The requirements of a cluster we have not seen: every node, every storage, bridge vmbr0.
 *
 * @example
 * pveumCommands(genericRequirements(), DEFAULT_ROLE);
 */
export function genericRequirements(): Requirement[] {
  return requirementsFor({
    nodes: [ANY],
    diskStorages: [ANY],
    isoStorages: [ANY],
    cidataStorages: [ANY],
    bridges: [{ bridge: "vmbr0" }],
    pools: [],
    pciMappings: [],
    usbMappings: [],
    ha: false,
  }).map((r) => ({ ...r, path: r.path.replace(`/${ANY}`, "") }));
}

export function roleCommands(
  requirements: Requirement[],
  names: Partial<{ user: string; token: string; role: string }> = {},
): string[] {
  return pveumCommands(requirements, { ...DEFAULT_ROLE, ...names });
}
