/**
 * What each provider feature needs from the Proxmox token, per ACL path. The single source for `doctor`
 * (compares it with `/access/permissions`) and docs/proxmox-permissions.md. Facts from the PVE 9.1 API
 * schema and qemu-server's in-handler checks (see shared/proxmox/endpoints.md).
 */

export type Feature = "inventory" | "vms" | "images" | "cidata" | "network" | "pool" | "pci" | "usb" | "ha";

export interface Requirement {
  feature: Feature;
  /** ACL path, e.g. `/vms`, `/storage/vm_ssd`, `/sdn/zones/localnetwork/vmbr0`. */
  path: string;
  /** Every privilege here is needed. */
  allOf: string[];
  why: string;
}

export interface RequirementContext {
  nodes: string[];
  /** Storages VM disks go to. */
  diskStorages: string[];
  /** Storages Talos ISOs are downloaded into. */
  isoStorages: string[];
  /** Storages NoCloud (cidata) images are uploaded to. */
  cidataStorages: string[];
  /** Bridge (and optional VLAN tag) of each NIC. */
  bridges: Array<{ bridge: string; vlan?: number }>;
  pools: string[];
  pciMappings: string[];
  usbMappings: string[];
  ha: boolean;
}

const VM_PRIVILEGES = [
  "VM.Allocate",
  "VM.Audit",
  "VM.PowerMgmt",
  "VM.Config.CPU",
  "VM.Config.Memory",
  "VM.Config.Disk",
  "VM.Config.CDROM",
  "VM.Config.Network",
  "VM.Config.HWType",
  "VM.Config.Options",
];

/** The concrete requirements for one setup. */
export function requirementsFor(ctx: RequirementContext): Requirement[] {
  const out: Requirement[] = [];
  for (const node of ctx.nodes) {
    out.push({
      feature: "inventory",
      path: `/nodes/${node}`,
      allOf: ["Sys.Audit"],
      why: "node memory and CPU for placement (without it /cluster/resources hides node stats)",
    });
    out.push({
      feature: "images",
      path: `/nodes/${node}`,
      allOf: ["Sys.AccessNetwork"],
      why: "download-url fetches the Talos ISO onto the node (or Sys.Audit + Sys.Modify on /)",
    });
  }
  out.push({
    feature: "vms",
    path: ctx.pools.length ? `/pool/${ctx.pools[0]}` : "/vms",
    allOf: VM_PRIVILEGES,
    why: "create, configure, start, stop and delete the Talos VMs",
  });
  for (const storage of unique(ctx.diskStorages)) {
    out.push({
      feature: "vms",
      path: `/storage/${storage}`,
      allOf: ["Datastore.AllocateSpace", "Datastore.Audit"],
      why: "allocate VM disks and see free space for placement",
    });
  }
  for (const storage of unique(ctx.isoStorages)) {
    out.push({
      feature: "images",
      path: `/storage/${storage}`,
      allOf: ["Datastore.AllocateTemplate", "Datastore.Audit", "Datastore.Allocate"],
      why: "download Talos ISOs, list them, and delete ones no VM uses any more",
    });
  }
  for (const storage of unique(ctx.cidataStorages)) {
    out.push({
      feature: "cidata",
      path: `/storage/${storage}`,
      allOf: ["Datastore.AllocateTemplate", "Datastore.Audit", "Datastore.Allocate"],
      why: "upload each VM's NoCloud image and delete it with the VM",
    });
  }
  for (const { bridge, vlan } of ctx.bridges) {
    out.push({
      feature: "network",
      path: vlan === undefined ? `/sdn/zones/localnetwork/${bridge}` : `/sdn/zones/localnetwork/${bridge}/${vlan}`,
      allOf: ["SDN.Use"],
      why: `attach NICs to ${bridge}${vlan === undefined ? "" : ` VLAN ${vlan}`}`,
    });
  }
  for (const pool of ctx.pools) {
    out.push({ feature: "pool", path: `/pool/${pool}`, allOf: ["Pool.Audit"], why: "see the pool VMs go to" });
  }
  for (const id of ctx.pciMappings) {
    out.push({ feature: "pci", path: `/mapping/pci/${id}`, allOf: ["Mapping.Use"], why: `pass PCI mapping ${id}` });
  }
  for (const id of ctx.usbMappings) {
    out.push({ feature: "usb", path: `/mapping/usb/${id}`, allOf: ["Mapping.Use"], why: `pass USB mapping ${id}` });
  }
  if (ctx.ha) {
    out.push({ feature: "ha", path: "/", allOf: ["Sys.Console", "Sys.Audit"], why: "manage HA resources and rules" });
  }
  return out;
}

/** Effective privileges as `GET /access/permissions` returns them: path → privilege → 0/1. */
export type EffectivePermissions = Record<string, Record<string, number | boolean>>;

export interface PermissionGap {
  requirement: Requirement;
  missing: string[];
}

/**
 * Checks requirements against effective permissions. A path inherits from its nearest listed ancestor,
 * which is how Proxmox propagates ACLs (a deeper ACL replaces what it inherits).
 */
export function findPermissionGaps(effective: EffectivePermissions, requirements: Requirement[]): PermissionGap[] {
  const gaps: PermissionGap[] = [];
  for (const requirement of requirements) {
    const held = privilegesAt(effective, requirement.path);
    const missing = requirement.allOf.filter((p) => !held.has(p));
    // download-url also accepts Sys.Audit + Sys.Modify on / instead of Sys.AccessNetwork on the node.
    const rootFallbackMet =
      requirement.feature === "images" &&
      requirement.path.startsWith("/nodes/") &&
      ["Sys.Audit", "Sys.Modify"].every((p) => privilegesAt(effective, "/").has(p));
    if (missing.length && !rootFallbackMet) gaps.push({ requirement, missing });
  }
  return gaps;
}

export function privilegesAt(effective: EffectivePermissions, path: string): Set<string> {
  let probe = path;
  for (;;) {
    const entry = effective[probe];
    if (entry)
      return new Set(
        Object.entries(entry)
          .filter(([, v]) => v === 1 || v === true)
          .map(([k]) => k),
      );
    if (probe === "/") return new Set();
    probe = probe.slice(0, probe.lastIndexOf("/")) || "/";
  }
}

/** `pveum` commands that create a least-privilege role and token for a setup. */
export function pveumCommands(
  requirements: Requirement[],
  opts: { user: string; token: string; role: string },
): string[] {
  const privileges = unique(requirements.flatMap((r) => r.allOf)).sort();
  const paths = unique(requirements.map((r) => r.path)).sort();
  return [
    `pveum role add ${opts.role} -privs "${privileges.join(",")}"`,
    `pveum user add ${opts.user}`,
    ...paths.map((path) => `pveum acl modify ${path} -user ${opts.user} -role ${opts.role}`),
    `pveum user token add ${opts.user} ${opts.token} -privsep 1`,
    ...paths.map((path) => `pveum acl modify ${path} -token '${opts.user}!${opts.token}' -role ${opts.role}`),
  ];
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
