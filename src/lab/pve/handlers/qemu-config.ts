import { randomUUID } from "node:crypto";
import type { Principal } from "../auth.ts";
import type { RequestContext } from "../context.ts";
import { dieError, paramError, permissionError, TaskFailure } from "../errors.ts";
import { lookupProperty, parsePropertyString, propertyFormatOf, type SchemaProperty } from "../schema/index.ts";
import { formatSize, randomMac, type VmState } from "../state.ts";

/** Drive keys in PVE's boot-order preference (ide, scsi, virtio, sata) plus EFI/TPM disks. */
export const DRIVE_KEY = /^(ide|scsi|virtio|sata|efidisk|tpmstate)(\d+)$/;
const NEW_DISK = /^([a-z][a-z0-9._-]*[a-z0-9]):(\d+(?:\.\d+)?)$/i;
const ROOT_ONLY_KEYS = new Set(["hugepages", "keephugepages", "affinity", "args"]);

const CATEGORY: Record<string, string> = {};
for (const k of ["cores", "sockets", "cpu", "numa", "vcpus", "cpulimit", "cpuunits"]) CATEGORY[k] = "VM.Config.CPU";
for (const k of ["memory", "balloon", "shares", "allow-ksm"]) CATEGORY[k] = "VM.Config.Memory";
for (const k of [
  "machine",
  "scsihw",
  "smbios1",
  "vga",
  "acpi",
  "kvm",
  "tablet",
  "hotplug",
  "watchdog",
  "audio0",
  "rng0",
  "arch",
  "localtime",
  "freeze",
  "keyboard",
  "tdf",
  "vmgenid",
  "amd-sev",
  "intel-tdx",
  "spice_enhancements",
  "ivshmem",
]) {
  CATEGORY[k] = "VM.Config.HWType";
}
for (const k of [
  "name",
  "onboot",
  "ostype",
  "agent",
  "description",
  "bios",
  "protection",
  "autostart",
  "startup",
  "tags",
  "template",
  "lock",
  "reboot",
  "startdate",
  "migrate_speed",
  "migrate_downtime",
  "hookscript",
]) {
  CATEGORY[k] = "VM.Config.Options";
}
for (const k of ["boot", "bootdisk", "efidisk0", "tpmstate0"]) CATEGORY[k] = "VM.Config.Disk";
for (const k of ["cicustom", "citype", "ciuser", "cipassword", "ciupgrade", "sshkeys", "nameserver", "searchdomain"]) {
  CATEGORY[k] = "VM.Config.Cloudinit";
}

/** Keys that are request options, not config. */
export const CREATE_OPTIONS = new Set([
  "node",
  "vmid",
  "pool",
  "start",
  "storage",
  "archive",
  "force",
  "unique",
  "bwlimit",
  "live-restore",
  "import-working-storage",
  "ha-managed",
]);
export const UPDATE_OPTIONS = new Set([
  "node",
  "vmid",
  "delete",
  "revert",
  "digest",
  "skiplock",
  "force",
  "background_delay",
]);

/** The config-key schema: the create endpoint's parameter list. */
export function configProperty(ctx: RequestContext, key: string): SchemaProperty | undefined {
  const ep = ctx.sim.schema.byKey.get("POST /nodes/{node}/qemu");
  return lookupProperty(ep?.info.parameters?.properties ?? {}, key);
}

/** Stored JSON type: integers and booleans are numbers, everything else a string (behaviour.md §6). */
export function storedValue(ctx: RequestContext, key: string, value: unknown): string | number {
  const prop = configProperty(ctx, key);
  const text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
  if (prop?.type === "integer" || prop?.type === "boolean") return Number(text);
  return text;
}

/** Tags lower-cased, sorted, de-duplicated, joined with `;` (default datacenter tag-style). */
export function normaliseTags(tags: string): string {
  return [
    ...new Set(
      tags
        .split(/[;,\s]+/)
        .filter(Boolean)
        .map((t) => t.toLowerCase()),
    ),
  ]
    .sort()
    .join(";");
}

function subFormat(ctx: RequestContext, key: string): Record<string, SchemaProperty> {
  // `cdrom` is an alias of ide2: its schema names a plain volume format, the drive format is ide[n]'s.
  const prop = configProperty(ctx, key === "cdrom" ? "ide2" : key);
  return (prop && propertyFormatOf(prop)) ?? {};
}

function parse(ctx: RequestContext, key: string, value: string): Record<string, string> {
  const parsed = parsePropertyString(subFormat(ctx, key), value);
  if (!parsed.ok) throw paramError({ [key]: `invalid format - ${parsed.error}\n` });
  return parsed.values;
}

/** Canonical property string: default key first (bare), then the others alphabetically. */
function canonical(first: string, rest: Record<string, string>): string {
  const keys = Object.keys(rest).sort();
  return [first, ...keys.map((k) => `${k}=${rest[k]}`)].join(",");
}

/**
 * Synchronous permission checks of a create/update (qemu-server `check_vm_modify_config_perm`): key
 * categories on /vms/<vmid>, storage space for new disks, SDN for bridges, Mapping.Use for mapped PCI,
 * and the root-only keys (a 500, not a 403, and never allowed for tokens).
 */
export function checkConfigPermissions(
  ctx: RequestContext,
  vmid: number,
  entries: [string, string][],
  drivePrivsInWorker: boolean,
): void {
  const acl = ctx.sim.access;
  const p: Principal = ctx.principal;
  const isRoot = p.authId === "root@pam";
  const vmPath = `/vms/${vmid}`;
  for (const [key, value] of entries) {
    if (ROOT_ONLY_KEYS.has(key) && !isRoot) throw dieError(`only root can set '${key}' config`);
    const drive = DRIVE_KEY.test(key) || key === "cdrom";
    if (drive) {
      const values = parse(ctx, key, value);
      const file = values.file ?? "";
      const isCdrom = values.media === "cdrom" || key === "cdrom";
      if (!drivePrivsInWorker) acl.require(p, vmPath, isCdrom ? "VM.Config.CDROM" : "VM.Config.Disk");
      const newDisk = NEW_DISK.exec(file);
      if (newDisk) {
        const sid = newDisk[1] as string;
        const storage = ctx.sim.state.storage(sid);
        if (!storage) throw dieError(`storage '${sid}' does not exist`);
        if (!storage.content.includes("images"))
          throw paramError({ storage: `storage '${sid}' does not support vm images` });
        acl.require(p, `/storage/${sid}`, "Datastore.AllocateSpace");
      } else if (file.includes(":")) {
        const sid = file.slice(0, file.indexOf(":"));
        const privs = acl.privileges(p, `/storage/${sid}`);
        if (!privs.has("Datastore.AllocateSpace") && !privs.has("Datastore.Audit")) {
          throw permissionError(`/storage/${sid}`, "Datastore.Audit");
        }
      }
      continue;
    }
    if (/^net\d+$/.test(key)) {
      acl.require(p, vmPath, "VM.Config.Network");
      const values = parse(ctx, key, value);
      if (values.bridge) {
        const zonePath = `/sdn/zones/localnetwork/${values.bridge}${values.tag ? `/${values.tag}` : ""}`;
        acl.require(p, zonePath, "SDN.Use");
      }
      continue;
    }
    if (/^hostpci\d+$/.test(key)) {
      acl.require(p, vmPath, "VM.Config.HWType");
      const values = parse(ctx, key, value);
      if (values.mapping) acl.require(p, `/mapping/pci/${values.mapping}`, "Mapping.Use");
      else if (!isRoot) throw dieError(`only root can set '${key}' config for non-mapped devices`);
      continue;
    }
    if (/^serial\d+$/.test(key)) {
      if (value !== "socket" && !isRoot) throw dieError(`only root can set '${key}' config for real devices`);
      acl.require(p, vmPath, "VM.Config.HWType");
      continue;
    }
    if (/^(ipconfig)\d+$/.test(key)) {
      const privs = acl.privileges(p, vmPath);
      if (!privs.has("VM.Config.Network") && !privs.has("VM.Config.Cloudinit")) {
        throw permissionError(vmPath, "VM.Config.Network");
      }
      continue;
    }
    if (/^(numa|usb|parallel|virtiofs)\d+$/.test(key)) {
      acl.require(p, vmPath, key.startsWith("numa") ? "VM.Config.CPU" : "VM.Config.HWType");
      continue;
    }
    if (/^unused\d+$/.test(key)) {
      acl.require(p, vmPath, "VM.Config.Disk");
      continue;
    }
    const priv = CATEGORY[key];
    if (priv) acl.require(p, vmPath, priv);
    else if (!isRoot) throw dieError(`only root can set '${key}' config`);
  }
}

/** Volume a drive string references, if any (`local:iso/x.iso` → storage local, volname iso/x.iso). */
export function driveVolume(value: string): { storage: string; volname: string } | undefined {
  const file = value.split(",")[0] ?? "";
  const m = /^([a-z][a-z0-9._-]*[a-z0-9]):(.+)$/i.exec(file);
  if (!m || NEW_DISK.test(file)) return undefined;
  return { storage: m[1] as string, volname: m[2] as string };
}

/**
 * Applies drive/net/tag values to a config inside a worker: allocates `STORAGE:SIZE` disks, verifies that
 * referenced volumes exist (adding `size=`), canonicalises drives and nets (MACs generated). Returns the
 * volumes allocated so a failing create can free them.
 */
export function materialise(
  ctx: RequestContext,
  vm: VmState,
  entries: [string, string][],
  allocated: { free(): void }[],
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const node = vm.node;
  for (const [rawKey, value] of entries) {
    const key = rawKey === "cdrom" ? "ide2" : rawKey;
    if (DRIVE_KEY.test(key) || rawKey === "cdrom") {
      const values = { ...parse(ctx, rawKey, value) };
      if (rawKey === "cdrom") values.media = "cdrom";
      const file = values.file as string;
      delete values.file;
      const newDisk = NEW_DISK.exec(file);
      if (newDisk) {
        const storage = ctx.sim.state.storage(newDisk[1] as string);
        if (!storage) throw new TaskFailure(`storage '${newDisk[1]}' does not exist`);
        let size = Math.round(Number(newDisk[2]) * 1024 ** 3);
        const importFrom = values["import-from"];
        delete values["import-from"];
        if (importFrom) {
          const src = driveVolume(importFrom);
          const srcStorage = src ? ctx.sim.state.storage(src.storage) : undefined;
          const srcVol = src && srcStorage ? ctx.sim.state.findVolume(srcStorage, node, src.volname) : undefined;
          if (!srcVol) throw new TaskFailure(`volume '${importFrom}' does not exist`);
          size = Math.max(srcVol.size, 1024 ** 2);
        }
        if (key.startsWith("tpmstate")) size = 4 * 1024 ** 2;
        if (key.startsWith("efidisk")) size = 1024 ** 2;
        if (!ctx.sim.state.storageOnNode(storage, node)) {
          throw new TaskFailure(`storage '${storage.id}' is not available on node '${node}'`);
        }
        let volume: ReturnType<typeof ctx.sim.state.allocateDisk>;
        try {
          volume = ctx.sim.state.allocateDisk(storage, node, vm.vmid, size);
        } catch (err) {
          throw new TaskFailure((err as Error).message);
        }
        allocated.push({ free: () => ctx.sim.state.freeVolume(volume) });
        values.size = formatSize(size);
        out[key] = canonical(volume.volid, values);
      } else if (file === "none" || file === "cdrom" || file.startsWith("/")) {
        out[key] = canonical(file, values);
      } else {
        const ref = driveVolume(file);
        const storage = ref ? ctx.sim.state.storage(ref.storage) : undefined;
        const volume = ref && storage ? ctx.sim.state.findVolume(storage, node, ref.volname) : undefined;
        if (!volume) throw new TaskFailure(`volume '${file}' does not exist`);
        values.size = formatSize(volume.size) || String(volume.size);
        out[key] = canonical(file, values);
      }
      continue;
    }
    if (/^net\d+$/.test(key)) {
      const values = { ...parse(ctx, key, value) };
      const model = values.model as string;
      const mac = values.macaddr ?? randomMac();
      delete values.model;
      delete values.macaddr;
      out[key] = canonical(`${model}=${mac.toUpperCase()}`, values);
      continue;
    }
    if (key === "tags") {
      out[key] = normaliseTags(value);
      continue;
    }
    out[key] = storedValue(ctx, key, value);
  }
  return out;
}

/** Default boot order: first disk (ide, scsi, virtio, sata order), first cdrom, first nic. */
export function defaultBoot(config: Record<string, string | number>): string {
  const keys = Object.keys(config);
  const byPrefix = (k: string): number => ["ide", "scsi", "virtio", "sata"].indexOf(k.replace(/\d+$/, ""));
  const drives = keys
    .filter((k) => /^(ide|scsi|virtio|sata)\d+$/.test(k))
    .sort((a, b) => byPrefix(a) - byPrefix(b) || Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")));
  const isCd = (k: string) => String(config[k]).includes("media=cdrom");
  const disk = drives.find((k) => !isCd(k));
  const cd = drives.find(isCd);
  const net = keys.filter((k) => /^net\d+$/.test(k)).sort()[0];
  return `order=${[disk, cd, net].filter(Boolean).join(";")}`;
}

/** Generated defaults of a new VM (smbios1 uuid, vmgenid, meta, boot). */
export function createDefaults(config: Record<string, string | number>, nowSec: number): void {
  if (config.smbios1 === undefined) config.smbios1 = `uuid=${randomUUID()}`;
  if (config.vmgenid === undefined) config.vmgenid = randomUUID();
  config.meta = `creation-qemu=10.1.2,ctime=${nowSec}`;
  if (config.boot === undefined) config.boot = defaultBoot(config);
}

/** Boot-order devices must exist in the config. */
export function checkBootOrder(config: Record<string, string | number>): void {
  const boot = config.boot;
  if (typeof boot !== "string") return;
  const order = /(?:^|,)order=([^,]*)/.exec(boot)?.[1];
  if (!order) return;
  for (const dev of order.split(";").filter(Boolean)) {
    if (config[dev] === undefined) throw new TaskFailure(`invalid bootorder: device '${dev}' does not exist'`);
  }
}
