import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { dieError } from "./errors.ts";
import type { PveNodeSpec, PveStorageSpec, PveWorld } from "./world.ts";

/** A volume on a storage instance (shared storages have one instance, others one per node). */
export interface Volume {
  volid: string;
  storage: string;
  /** Node of a local storage instance; undefined for shared storages. */
  node?: string;
  volname: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
  ctime: number;
  /** Real file when the simulator has a data directory and the content is file-like. */
  filePath?: string;
}

/** A VM's live state; `config` holds values exactly as PVE stores them (`lock` included). */
export interface VmState {
  vmid: number;
  node: string;
  status: "running" | "stopped";
  config: Record<string, string | number>;
  pool?: string;
  startedAtSec?: number;
}

/** Content kinds stored as real files under the data directory. */
const FILE_CONTENT = new Set(["iso", "vztmpl", "snippets", "import"]);

/**
 * The mutable cluster model behind the API: nodes, storages with really allocated volumes (used/avail
 * derived from them), VMs, pools, mappings and HA config.
 */
export class ClusterState {
  readonly world: PveWorld;
  readonly vms = new Map<number, VmState>();
  readonly volumes = new Map<string, Volume>();
  /** VMs whose guest does not react to ACPI shutdown (shutdown then needs forceStop). */
  readonly guestsIgnoringShutdown = new Set<number>();
  readonly dataDir: string | undefined;
  private readonly nowSec: () => number;

  constructor(world: PveWorld, nowSec: () => number, dataDir?: string) {
    this.world = world;
    this.nowSec = nowSec;
    this.dataDir = dataDir;
    for (const vm of world.vms) {
      this.vms.set(vm.vmid, {
        vmid: vm.vmid,
        node: vm.node,
        status: vm.status,
        config: { ...vm.config },
        pool: vm.pool,
      });
      if (vm.status === "running") (this.vms.get(vm.vmid) as VmState).startedAtSec = nowSec();
      for (const value of Object.values(vm.config)) {
        const m =
          typeof value === "string" ? /^([a-z][\w.-]*):(vm-(\d+)-disk-\d+)[^,]*(?:,.*size=(\d+)G)?/.exec(value) : null;
        if (!m) continue;
        const storage = this.storage(m[1] as string);
        if (!storage) continue;
        const size = Number(m[4] ?? "1") * 1024 ** 3;
        this.addVolume({
          volid: `${m[1]}:${m[2]}`,
          storage: storage.id,
          node: storage.shared ? undefined : vm.node,
          volname: m[2] as string,
          content: "images",
          format: "raw",
          size,
          vmid: vm.vmid,
          ctime: nowSec(),
        });
      }
    }
  }

  node(name: string): PveNodeSpec | undefined {
    return this.world.nodes.find((n) => n.name === name);
  }

  /** Throws PVE's 500 for an unknown node name (proxyto endpoints resolve the name first). */
  requireNode(name: string): PveNodeSpec {
    const node = this.node(name);
    if (!node)
      throw dieError(
        `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`,
      );
    return node;
  }

  storage(id: string): PveStorageSpec | undefined {
    return this.world.storages.find((s) => s.id === id);
  }

  /** Whether a storage is usable on a node (enabled and not restricted to other nodes). */
  storageOnNode(storage: PveStorageSpec, node: string): boolean {
    return storage.enabled !== false && (!storage.nodes || storage.nodes.includes(node));
  }

  private instanceKey(storage: PveStorageSpec, node: string | undefined): string {
    return storage.shared ? storage.id : `${node}/${storage.id}`;
  }

  volumeKey(storage: PveStorageSpec, node: string | undefined, volname: string): string {
    return `${this.instanceKey(storage, node)}|${volname}`;
  }

  /** Volumes on the instance of `storage` seen from `node`. */
  volumesOn(storage: PveStorageSpec, node: string): Volume[] {
    const prefix = `${this.instanceKey(storage, node)}|`;
    return [...this.volumes.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  usedBytes(storage: PveStorageSpec, node: string): number {
    return this.volumesOn(storage, node).reduce((sum, v) => sum + v.size, 0);
  }

  findVolume(storage: PveStorageSpec, node: string, volname: string): Volume | undefined {
    return this.volumes.get(this.volumeKey(storage, node, volname));
  }

  addVolume(volume: Volume): void {
    const storage = this.storage(volume.storage);
    if (!storage) throw dieError(`storage '${volume.storage}' does not exist`);
    this.volumes.set(this.volumeKey(storage, volume.node, volume.volname), volume);
  }

  /** Path of a file-backed volume under the data directory, or undefined when files are not kept. */
  filePathFor(storage: PveStorageSpec, node: string, volname: string, content: string): string | undefined {
    if (!this.dataDir || !FILE_CONTENT.has(content)) return undefined;
    const instance = storage.shared ? storage.id : join(node, storage.id);
    return join(this.dataDir, instance, volname);
  }

  /**
   * Allocates a new disk image `vm-<vmid>-disk-<N>` (lowest free N on that storage instance) of `size`
   * bytes, failing like a full storage when it does not fit.
   */
  allocateDisk(storage: PveStorageSpec, node: string, vmid: number, size: number): Volume {
    const free = storage.capacityBytes - this.usedBytes(storage, node);
    if (size > free) {
      throw dieError(
        `no space left on storage '${storage.id}' - cannot allocate ${formatSize(size)}, only ${formatSize(Math.max(free, 0))} available`,
      );
    }
    const fileBased = storage.type === "dir" || storage.type === "nfs" || storage.type === "cephfs";
    let n = 0;
    const nameFor = (i: number): string => (fileBased ? `${vmid}/vm-${vmid}-disk-${i}.raw` : `vm-${vmid}-disk-${i}`);
    while (this.findVolume(storage, node, nameFor(n))) n++;
    const volname = nameFor(n);
    const volume: Volume = {
      volid: `${storage.id}:${volname}`,
      storage: storage.id,
      node: storage.shared ? undefined : node,
      volname,
      content: "images",
      format: "raw",
      size,
      vmid,
      ctime: this.nowSec(),
    };
    this.addVolume(volume);
    return volume;
  }

  /** Stores a file-like volume (iso/import/snippets/vztmpl), writing the bytes when a data dir is set. */
  storeFile(storage: PveStorageSpec, node: string, content: string, fileName: string, data: Buffer): Volume {
    const volname = `${content}/${fileName}`;
    const existing = this.findVolume(storage, node, volname);
    const free = storage.capacityBytes - this.usedBytes(storage, node) + (existing?.size ?? 0);
    if (data.length > free) throw dieError(`no space left on storage '${storage.id}'`);
    const filePath = this.filePathFor(storage, node, volname, content);
    if (filePath) {
      mkdirSync(dirname(filePath), { recursive: true });
      writeFileSync(filePath, data);
    }
    const volume: Volume = {
      volid: `${storage.id}:${volname}`,
      storage: storage.id,
      node: storage.shared ? undefined : node,
      volname,
      content,
      format: content === "iso" ? "iso" : (fileName.split(".").pop() ?? "raw"),
      size: data.length,
      ctime: this.nowSec(),
      filePath,
    };
    this.addVolume(volume);
    return volume;
  }

  freeVolume(volume: Volume): void {
    const storage = this.storage(volume.storage);
    if (!storage) return;
    this.volumes.delete(this.volumeKey(storage, volume.node, volume.volname));
    if (volume.filePath) rmSync(volume.filePath, { force: true });
  }

  /** Lowest VMID in the configured range not used anywhere in the cluster (no reservation, like PVE). */
  nextFreeVmid(): number {
    const { lower, upper } = this.world.nextId;
    for (let id = lower; id < upper; id++) if (!this.vms.has(id)) return id;
    throw dieError(`unable to get any free VMID in range [${lower}, ${upper}]`);
  }
}

/** SHA-1 over the sorted config, as PVE's `digest`. */
export function configDigest(config: Record<string, string | number>): string {
  const text = Object.keys(config)
    .sort()
    .map((k) => `${k}: ${config[k]}`)
    .join("\n");
  return createHash("sha1").update(text).digest("hex");
}

/** Bytes as the largest exact unit PVE prints in drive `size=` (`32G`, `512M`). */
export function formatSize(bytes: number): string {
  const units: [string, number][] = [
    ["T", 1024 ** 4],
    ["G", 1024 ** 3],
    ["M", 1024 ** 2],
    ["K", 1024],
  ];
  for (const [u, f] of units) if (bytes >= f && bytes % f === 0) return `${bytes / f}${u}`;
  return String(bytes);
}

/** A random locally-administered-free MAC with Proxmox's default prefix BC:24:11. */
export function randomMac(): string {
  const hex = randomUUID().replace(/-/g, "").slice(0, 6).toUpperCase();
  return `BC:24:11:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}
