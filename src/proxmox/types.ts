/**
 * Shapes of the Proxmox answers the client returns, with the JSON types real Proxmox sends (see
 * behaviour.md §6): integers as numbers, booleans as 0/1, `nextid` decoded from its string form.
 * Fields marked optional may be absent depending on privileges, node state or PVE version.
 */

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
  console?: string;
}

export type NodeState = "online" | "offline" | "unknown";

/** An entry of `GET /nodes`; stats are present only with Sys.Audit on the node and when online. */
export interface NodeEntry {
  node: string;
  status: NodeState;
  id?: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  level?: string;
  ssl_fingerprint?: string;
}

export interface NodeStatus {
  cpu: number;
  /** Load averages for 1, 5 and 15 minutes, as strings (as Proxmox sends them). */
  loadavg: string[];
  memory: { total: number; used: number; free: number; available?: number };
  cpuinfo: { cpus: number; cores: number; sockets: number; model: string };
  rootfs?: { total: number; used: number; free?: number; avail: number };
  pveversion: string;
  kversion?: string;
  uptime?: number;
}

export interface NodeResource {
  type: "node";
  id: string;
  node: string;
  status: NodeState | string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
}

export interface VmResource {
  type: "qemu" | "lxc";
  /** `qemu/<vmid>`. */
  id: string;
  vmid: number;
  node: string;
  /** `running`, `stopped`, or `unknown` right after create. */
  status: string;
  name?: string;
  /** `;`-separated, lower-cased. */
  tags?: string;
  lock?: string;
  pool?: string;
  template?: number;
  hastate?: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  maxdisk?: number;
  uptime?: number;
}

export interface StorageResource {
  type: "storage";
  /** `storage/<node>/<storage>`. */
  id: string;
  storage: string;
  node: string;
  status: string;
  content?: string;
  plugintype?: string;
  shared?: number;
  /** Used and total bytes. */
  disk?: number;
  maxdisk?: number;
}

export type ClusterResourceType = "node" | "vm" | "storage";
export type ClusterResource = NodeResource | VmResource | StorageResource;

/** Maps the `type` filter of `/cluster/resources` to the rows it yields. */
export interface ClusterResourceByFilter {
  node: NodeResource;
  vm: VmResource;
  storage: StorageResource;
}

export interface ClusterStatusEntry {
  type: "cluster" | "node";
  id: string;
  name: string;
  /** type=cluster */
  nodes?: number;
  quorate?: number;
  version?: number;
  /** type=node */
  nodeid?: number;
  ip?: string;
  online?: number;
  local?: number;
  level?: string;
}

/** An entry of `GET /nodes/{node}/storage`. */
export interface NodeStorage {
  storage: string;
  type: string;
  /** Comma-separated content types, in no particular order. */
  content: string;
  enabled?: number;
  active?: number;
  shared?: number;
  total?: number;
  used?: number;
  avail?: number;
  used_fraction?: number;
}

export type StorageContentType = "images" | "rootdir" | "vztmpl" | "iso" | "backup" | "snippets" | "import";

export interface StorageVolume {
  volid: string;
  content: string;
  format: string;
  size: number;
  used?: number;
  vmid?: number;
  ctime?: number;
  notes?: string;
  protected?: number;
}

/** `GET …/content/{volume}` (Proxmox returns no volid). */
export interface VolumeInfo {
  path: string;
  size: number;
  used: number;
  format: string;
  notes?: string;
  protected?: number;
}

/** A VM config as Proxmox returns it: integers and booleans as numbers, everything else as strings. */
export type VmConfig = Record<string, string | number>;

export interface VmListEntry {
  vmid: number;
  status: string;
  name?: string;
  tags?: string;
  lock?: string;
  template?: number;
  maxmem?: number;
  maxdisk?: number;
  cpus?: number;
  uptime?: number;
}

export interface VmStatus {
  vmid: number;
  /** Only `running` or `stopped`; see `qmpstatus` for paused/prelaunch. */
  status: "running" | "stopped";
  qmpstatus?: string;
  name?: string;
  lock?: string;
  tags?: string;
  agent?: number;
  uptime?: number;
  cpus?: number;
  maxmem?: number;
  maxdisk?: number;
  ha?: { managed: number; state?: string };
}

export type NetworkInterfaceType = "bridge" | "bond" | "eth" | "alias" | "vlan" | "OVSBridge" | "any_bridge" | string;

export interface NetworkInterface {
  iface: string;
  type: string;
  active?: number;
  autostart?: number;
  bridge_ports?: string;
  bridge_vlan_aware?: number;
  "bridge-vids"?: string;
  cidr?: string;
  address?: string;
  gateway?: string;
  comments?: string;
  "vlan-id"?: number;
  "vlan-raw-device"?: string;
}

/** A bridge of a node, summarised for placement and doctor checks. */
export interface BridgeInfo {
  iface: string;
  vlanAware: boolean;
  active: boolean;
  ports: string[];
  /** `bridge-vids` when VLAN-aware (default 2-4094). */
  vids?: string;
}

export interface ResourceMapping {
  id: string;
  description?: string;
  /** Per-node entries as property strings, e.g. `node=pve1,path=0000:01:00.0,id=10de:2204`. */
  map: string[];
  checks?: { severity: string; message: string }[];
}

/** `GET /access/permissions`: ACL path → privilege → propagate flag. */
export type Permissions = Record<string, Record<string, number>>;

export interface PoolMember {
  id: string;
  node: string;
  type: "qemu" | "lxc" | "openvz" | "storage";
  vmid?: number;
  storage?: string;
}

export interface Pool {
  poolid: string;
  comment?: string;
  members?: PoolMember[];
}

export type HaResourceState = "started" | "stopped" | "enabled" | "disabled" | "ignored";

export interface HaResource {
  /** `vm:101`. */
  sid: string;
  type?: "vm" | "ct";
  state?: HaResourceState;
  comment?: string;
  failback?: number;
  max_relocate?: number;
  max_restart?: number;
  digest?: string;
}

export interface HaRule {
  rule: string;
  type: "node-affinity" | "resource-affinity";
  /** Comma-separated resource ids (`vm:101,vm:102`). */
  resources: string;
  nodes?: string;
  affinity?: "positive" | "negative";
  strict?: number;
  disable?: number;
  comment?: string;
  digest?: string;
}
