import { randomUUID } from "node:crypto";

/** The simulated cluster's state. Plain data: tests may build one by hand or start from {@link defaultMatrixWorld}. */
export interface PveWorld {
  clusterName: string;
  nodes: PveNodeSpec[];
  storages: PveStorageSpec[];
  /** Bridges per node (`vmbr0` on every node by default). */
  bridges: PveBridgeSpec[];
  vms: PveVmSpec[];
  pools: PvePoolSpec[];
  mappings: { pci: PveMappingSpec[]; usb: PveMappingSpec[] };
  ha: { resources: Record<string, unknown>[]; rules: Record<string, unknown>[] };
  users: PveUserSpec[];
  tokens: PveTokenSpec[];
  acl: PveAclEntry[];
  /** `datacenter.cfg` `next-id`: lower inclusive, upper exclusive. */
  nextId: { lower: number; upper: number };
  /** Concurrent workers per node before further tasks queue (pvedaemon max_workers). */
  maxWorkersPerNode: number;
  /** Base task durations in ms (before timeFactor), by worker type. */
  taskDurationsMs: Record<string, number>;
}

export interface PveNodeSpec {
  name: string;
  online: boolean;
  cpus: number;
  memoryBytes: number;
  ip: string;
  /** Root filesystem size, reported as `disk`/`maxdisk`. */
  rootfsBytes: number;
}

export type StorageType = "dir" | "lvmthin" | "lvm" | "rbd" | "zfspool" | "nfs" | "cephfs";

export interface PveStorageSpec {
  id: string;
  type: StorageType;
  /** Shared storages hold one set of volumes for the cluster; others one set per node. */
  shared: boolean;
  content: string[];
  /** Capacity per instance (per node for local storages). */
  capacityBytes: number;
  /** Restrict to these nodes (`nodes` option); all nodes when absent. */
  nodes?: string[];
  enabled?: boolean;
}

export interface PveBridgeSpec {
  node: string;
  iface: string;
  vlanAware: boolean;
  cidr?: string;
}

export interface PveVmSpec {
  vmid: number;
  node: string;
  status: "running" | "stopped";
  /** Config as PVE stores it: property strings, integers/booleans as numbers. */
  config: Record<string, string | number>;
  pool?: string;
}

export interface PvePoolSpec {
  poolid: string;
  comment?: string;
}

export interface PveMappingSpec {
  id: string;
  description?: string;
  /** Per-node map entries as property strings (`node=foxtrot,path=0000:01:00.0,id=10de:2204`). */
  map: string[];
}

export interface PveUserSpec {
  userid: string;
  password?: string;
  enabled?: boolean;
}

export interface PveTokenSpec {
  /** `user@realm!name` */
  tokenId: string;
  secret: string;
  /** Privilege separation: effective rights are the intersection of user and token ACLs. */
  privsep: boolean;
}

export interface PveAclEntry {
  path: string;
  /** A user id (`omni@pve`) or token id (`omni@pve!provider`). */
  principal: string;
  privs: readonly string[];
  propagate?: boolean;
}

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** Every privilege PVE 9 knows (pve-access-control `$privgroups` plus standalone ones). */
export const ALL_PRIVILEGES: readonly string[] = [
  "Datastore.Allocate",
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "Group.Allocate",
  "Mapping.Audit",
  "Mapping.Modify",
  "Mapping.Use",
  "Permissions.Modify",
  "Pool.Allocate",
  "Pool.Audit",
  "Realm.Allocate",
  "Realm.AllocateUser",
  "SDN.Allocate",
  "SDN.Audit",
  "SDN.Use",
  "Sys.AccessNetwork",
  "Sys.Audit",
  "Sys.Console",
  "Sys.Incoming",
  "Sys.Modify",
  "Sys.PowerMgmt",
  "Sys.Syslog",
  "User.Modify",
  "VM.Allocate",
  "VM.Audit",
  "VM.Backup",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.Console",
  "VM.GuestAgent.Audit",
  "VM.GuestAgent.Unrestricted",
  "VM.Migrate",
  "VM.PowerMgmt",
  "VM.Replicate",
  "VM.Snapshot",
  "VM.Snapshot.Rollback",
];

/**
 * The least-privilege provider role from endpoints.md ("Minimal custom role"), split by ACL path, plus
 * what HA management needs.
 */
export function providerRoleAcl(principal: string, opts: { withVmAllocate: boolean }): PveAclEntry[] {
  const vmPrivs = [
    "VM.Audit",
    "VM.PowerMgmt",
    "VM.Config.CPU",
    "VM.Config.Memory",
    "VM.Config.Disk",
    "VM.Config.CDROM",
    "VM.Config.Network",
    "VM.Config.HWType",
    "VM.Config.Options",
    "VM.Config.Cloudinit",
    "VM.GuestAgent.Audit",
  ];
  if (opts.withVmAllocate) vmPrivs.unshift("VM.Allocate");
  return [
    { path: "/vms", principal, privs: vmPrivs, propagate: true },
    { path: "/storage", principal, privs: ["Datastore.AllocateSpace", "Datastore.Audit"], propagate: true },
    {
      path: "/storage/local",
      principal,
      privs: ["Datastore.AllocateSpace", "Datastore.Audit", "Datastore.AllocateTemplate", "Datastore.Allocate"],
      propagate: true,
    },
    { path: "/nodes", principal, privs: ["Sys.Audit", "Sys.AccessNetwork"], propagate: true },
    { path: "/sdn/zones/localnetwork", principal, privs: ["SDN.Use", "SDN.Audit"], propagate: true },
    { path: "/mapping", principal, privs: ["Mapping.Use", "Mapping.Audit"], propagate: true },
    { path: "/pool", principal, privs: ["Pool.Audit"], propagate: true },
    // Sys.Audit for /cluster/status; Sys.Console because the schema requires it on / to create or remove
    // HA resources and rules (PVE 9), which endpoints.md's minimal role leaves out. Not propagated.
    { path: "/", principal, privs: ["Sys.Audit", "Sys.Console"], propagate: false },
  ];
}

/**
 * The default lab world, modelled on the user's deployment: cluster `matrix` with nodes foxtrot, golf and
 * hotel, Ceph RBD pools `vm_ssd` and `vm_containers`, per-node `local` and `local-lvm`, `vmbr0` (VLAN
 * aware) on every node, one unrelated VM (100 on foxtrot) the provider must never touch, and three tokens.
 *
 * @example
 * const sim = await startPveSimulator({ world: defaultMatrixWorld(), timeFactor: 0 });
 */
export function defaultMatrixWorld(): PveWorld {
  const nodeNames = ["foxtrot", "golf", "hotel"];
  const nodes: PveNodeSpec[] = nodeNames.map((name, i) => ({
    name,
    online: true,
    cpus: 16,
    memoryBytes: 64 * GiB,
    ip: `10.10.0.${11 + i}`,
    rootfsBytes: 100 * GiB,
  }));
  return {
    clusterName: "matrix",
    nodes,
    storages: [
      { id: "vm_ssd", type: "rbd", shared: true, content: ["images"], capacityBytes: 8 * TiB },
      { id: "vm_containers", type: "rbd", shared: true, content: ["rootdir", "images"], capacityBytes: 4 * TiB },
      {
        id: "local",
        type: "dir",
        shared: false,
        content: ["iso", "vztmpl", "snippets", "import"],
        capacityBytes: 100 * GiB,
      },
      { id: "local-lvm", type: "lvmthin", shared: false, content: ["images", "rootdir"], capacityBytes: 800 * GiB },
    ],
    bridges: nodeNames.map((node) => ({ node, iface: "vmbr0", vlanAware: true, cidr: undefined })),
    vms: [
      {
        vmid: 100,
        node: "foxtrot",
        status: "running",
        config: {
          name: "unrelated",
          cores: 2,
          sockets: 1,
          memory: "4096",
          scsihw: "virtio-scsi-single",
          scsi0: "local-lvm:vm-100-disk-0,iothread=1,size=32G",
          net0: "virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1",
          boot: "order=scsi0;net0",
          ostype: "l26",
          smbios1: "uuid=0b9d1c9e-0000-4000-8000-000000000100",
          vmgenid: "6a3f7c2e-0000-4000-8000-000000000100",
          tags: "unrelated",
        },
      },
    ],
    pools: [{ poolid: "omni", comment: "Omni-managed Talos VMs" }],
    mappings: {
      pci: [
        {
          id: "gpu0",
          description: "RTX 3090",
          map: ["node=foxtrot,path=0000:01:00.0,id=10de:2204,subsystem-id=1458:403b,iommugroup=12"],
        },
      ],
      usb: [],
    },
    ha: { resources: [], rules: [] },
    users: [
      { userid: "root@pam", password: randomUUID(), enabled: true },
      { userid: "omni@pve", enabled: true },
      { userid: "limited@pve", enabled: true },
    ],
    tokens: [
      { tokenId: "root@pam!lab", secret: randomUUID(), privsep: false },
      { tokenId: "omni@pve!provider", secret: randomUUID(), privsep: true },
      { tokenId: "limited@pve!noalloc", secret: randomUUID(), privsep: true },
    ],
    acl: [
      ...providerRoleAcl("omni@pve", { withVmAllocate: true }),
      ...providerRoleAcl("omni@pve!provider", { withVmAllocate: true }),
      ...providerRoleAcl("limited@pve", { withVmAllocate: false }),
      ...providerRoleAcl("limited@pve!noalloc", { withVmAllocate: false }),
    ],
    nextId: { lower: 100, upper: 1_000_000 },
    maxWorkersPerNode: 4,
    taskDurationsMs: {
      qmcreate: 1500,
      qmconfig: 300,
      qmstart: 2000,
      qmstop: 1000,
      qmshutdown: 5000,
      qmreboot: 5000,
      qmreset: 200,
      qmdestroy: 2000,
      download: 10000,
      imgcopy: 300,
      imgdel: 200,
    },
  };
}
