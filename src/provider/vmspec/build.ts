/**
 * providerdata + placement → the parameters of `POST /nodes/{node}/qemu`. Pure: no I/O, same input,
 * same output. Property-string values are built as objects (`config`) and encoded in one place
 * (`params`), never concatenated by hand.
 */
import {
  encodePropertyString,
  formatForConfigKey,
  PROPERTY_STRING_FORMATS,
  type PropertyInput,
  type PropertyStringFormat,
} from "../../proxmox/propstring.ts";
import { VmSpecError } from "./errors.ts";
import { isUnicastMac, stableMac } from "./mac.ts";
import { vmDescription, vmNameFor, vmTags } from "./marks.ts";
import type { DiskOptions, VmPlacement, VmProviderData, VmSpecInput } from "./types.ts";

export const DEFAULT_CPU_TYPE = "x86-64-v2-AES";
export const DEFAULT_BRIDGE = "vmbr0";
/** Drive slot of the Talos ISO (the `cdrom` alias). */
export const TALOS_ISO_DRIVE = "ide2";
/** Drive slot of the NoCloud cidata ISO (the Go provider used ide0; any free IDE slot works). */
export const CIDATA_DRIVE = "ide3";
/** Disk first (an installed Talos boots from it), then the Talos ISO, then PXE as Proxmox's default has it. */
export const BOOT_ORDER = "scsi0;ide2;net0";

const MAX_ADDITIONAL_DISKS = 30; // scsi1..scsi30
const MAX_ADDITIONAL_NICS = 31; // net1..net31
const MAX_PCI_DEVICES = 16; // hostpci0..hostpci15
const MAX_USB_DEVICES = 15; // usb0..usb14 (machine ≥ 7.1 with ostype l26)

export type VmConfigValue = string | number | PropertyInput;

export interface VmSpec {
  /** Path parameter of the create call. */
  readonly node: string;
  readonly vmid: number;
  /** Scalars as they are, property strings as objects; what tests and diffs look at. */
  readonly config: Readonly<Record<string, VmConfigValue>>;
  /** The request body: `config` with property strings encoded and booleans as 0/1, plus `vmid`. */
  readonly params: Readonly<Record<string, string | number>>;
  /** MAC of `net0`..`netN` in order (`undefined` where Proxmox generates it). */
  readonly macs: readonly (string | undefined)[];
}

/**
 * Builds the VM definition for one machine request.
 *
 * @example
 * const spec = buildVmSpec({
 *   data: { cores: 4, sockets: 1, memory: 8192, disk_size: 40, disk_ssd: true },
 *   placement: { node: "foxtrot", diskStorage: "vm_ssd", isoVolume: "local:iso/3f1c….iso" },
 *   vmid: 1001, providerId: "matrix-cluster", requestId: "talos-prod-01-workers-x7k2p",
 *   machineUuid: "7d3c…", identity: { kind: "token", tokenId: "omni@pve!provider" },
 * });
 * await pve.post(`/nodes/${spec.node}/qemu`, spec.params);
 */
export function buildVmSpec(input: VmSpecInput): VmSpec {
  const { data, placement } = input;
  validateScalars(input);

  const config: Record<string, VmConfigValue> = {};
  const marks = { providerId: input.providerId, requestId: input.requestId, machineUuid: input.machineUuid };
  config.name = vmNameFor(input.requestId);
  config.description = vmDescription(marks, input.description);
  config.tags = vmTags(marks, data.tags).join(";");
  config.smbios1 = { uuid: input.machineUuid };
  config.agent = { enabled: true };
  config.ostype = "l26";
  config.onboot = 1;

  config.cpu = { cputype: data.cpu_type ?? DEFAULT_CPU_TYPE };
  config.sockets = data.sockets ?? 1;
  config.cores = data.cores;
  config.memory = { current: data.memory };
  if (data.balloon === false) config.balloon = 0;
  if (data.numa === true) config.numa = 1;
  if (data.hugepages !== undefined) config.hugepages = data.hugepages;
  if (data.machine_type !== undefined) config.machine = { type: data.machine_type };
  if (data.bios !== undefined) config.bios = data.bios;
  if (data.bios === "ovmf") {
    // OVMF keeps its variables on a small disk; 4m is the current layout, no Microsoft keys pre-enrolled.
    config.efidisk0 = {
      file: `${placement.efiStorage ?? placement.diskStorage}:1`,
      efitype: "4m",
      "pre-enrolled-keys": false,
    };
  }
  if (data.vga !== undefined) {
    config.vga = { type: data.vga };
    // A serial display needs the serial port it points at, or the VM does not start.
    const serial = /^serial([0-3])$/.exec(data.vga);
    if (serial) config[`serial${serial[1]}`] = "socket";
  }

  config.scsihw = "virtio-scsi-single";
  config.scsi0 = disk(placement.diskStorage, data);
  addAdditionalDisks(config, data, placement);
  config[TALOS_ISO_DRIVE] = { file: placement.isoVolume, media: "cdrom" };
  if (placement.cidataVolume !== undefined) Object.assign(config, cidataDrive(placement.cidataVolume));
  config.boot = { order: BOOT_ORDER };

  const macs = addNics(config, input);
  addPciDevices(config, data);
  addUsbDevices(config, data);
  if (data.pool !== undefined) config.pool = data.pool;

  return { node: placement.node, vmid: input.vmid, config, params: encodeConfig(input.vmid, config), macs };
}

/**
 * The config change that attaches the cidata ISO once it is uploaded (`POST …/qemu/{vmid}/config`).
 * Not added to the boot order: Talos reads it as a data disk.
 *
 * @example
 * await pve.post(`/nodes/${node}/qemu/${vmid}/config`, encodeVmConfig(cidataDrive("local:iso/cidata-1001.iso")));
 */
export function cidataDrive(volume: string): Record<string, PropertyInput> {
  assertVolume(volume, "placement.cidataVolume");
  return { [CIDATA_DRIVE]: { file: volume, media: "cdrom" } };
}

/** Encodes a (partial) structured config for the wire: property strings via the codec, scalars as-is. */
export function encodeVmConfig(config: Readonly<Record<string, VmConfigValue>>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "object") {
      const format = propertyFormatOf(key);
      if (format === undefined) throw new RangeError(`config key ${key} is not a property string`);
      out[key] = encodePropertyString(format, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The codec's format for a config key; `smbios1` is named like an indexed key but is its own format. */
function propertyFormatOf(key: string): PropertyStringFormat | undefined {
  const direct = PROPERTY_STRING_FORMATS.find((format) => format === key);
  return direct ?? formatForConfigKey(key);
}

function encodeConfig(vmid: number, config: Readonly<Record<string, VmConfigValue>>): Record<string, string | number> {
  return { vmid, ...encodeVmConfig(config) };
}

function disk(storage: string, options: DiskOptions): PropertyInput {
  return {
    file: `${storage}:${options.disk_size}`,
    aio: options.disk_aio,
    cache: options.disk_cache,
    discard: options.disk_discard === true ? "on" : undefined,
    iothread: options.disk_iothread === true ? true : undefined,
    ssd: options.disk_ssd === true ? true : undefined,
  };
}

function addAdditionalDisks(config: Record<string, VmConfigValue>, data: VmProviderData, placement: VmPlacement): void {
  const disks = data.additional_disks ?? [];
  if (disks.length > MAX_ADDITIONAL_DISKS) {
    throw new VmSpecError(
      "invalid_vm_input",
      "additional_disks",
      `${disks.length} disks; at most ${MAX_ADDITIONAL_DISKS} fit beside scsi0`,
    );
  }
  disks.forEach((options, index) => {
    const storage = placement.additionalDiskStorages?.[index];
    if (storage === undefined) {
      throw new VmSpecError(
        "invalid_vm_input",
        `placement.additionalDiskStorages[${index}]`,
        `placement chose no storage for additional_disks[${index}]; run placement with every disk`,
      );
    }
    assertStorage(storage, `placement.additionalDiskStorages[${index}]`);
    assertPositiveInteger(options.disk_size, `additional_disks[${index}].disk_size`, 1);
    config[`scsi${index + 1}`] = disk(storage, options);
  });
}

function addNics(config: Record<string, VmConfigValue>, input: VmSpecInput): (string | undefined)[] {
  const { data } = input;
  const derive = data.stable_mac !== false;
  const primaryMac = input.mac === null ? undefined : (input.mac ?? (derive ? stableMac(input.requestId) : undefined));
  if (primaryMac !== undefined && !isUnicastMac(primaryMac)) {
    throw new VmSpecError("invalid_vm_input", "mac", `"${primaryMac}" is not a unicast MAC like 02:AB:CD:EF:01:23`);
  }
  config.net0 = nic(primaryMac, data.network_bridge ?? DEFAULT_BRIDGE, data.vlan, data.network_firewall ?? true, {
    bridge: "network_bridge",
    vlan: "vlan",
  });
  const macs = [primaryMac];
  const extra = data.additional_nics ?? [];
  if (extra.length > MAX_ADDITIONAL_NICS) {
    throw new VmSpecError(
      "invalid_vm_input",
      "additional_nics",
      `${extra.length} NICs; at most ${MAX_ADDITIONAL_NICS} fit beside net0`,
    );
  }
  extra.forEach((nicData, index) => {
    const mac = input.mac === null || !derive ? undefined : stableMac(input.requestId, index + 1);
    config[`net${index + 1}`] = nic(mac, nicData.bridge, nicData.vlan, nicData.firewall ?? false, {
      bridge: `additional_nics[${index}].bridge`,
      vlan: `additional_nics[${index}].vlan`,
    });
    macs.push(mac);
  });
  return macs;
}

function nic(
  mac: string | undefined,
  bridge: string,
  vlan: number | undefined,
  firewall: boolean,
  fields: { readonly bridge: string; readonly vlan: string },
): PropertyInput {
  if (!/^[-_.\w]+$/.test(bridge)) {
    throw new VmSpecError("invalid_vm_input", fields.bridge, `"${bridge}" is not a bridge name like vmbr0`);
  }
  if (vlan !== undefined && vlan !== 0) assertRange(vlan, fields.vlan, 1, 4094);
  return {
    model: "virtio",
    macaddr: mac,
    bridge,
    firewall,
    tag: vlan === undefined || vlan === 0 ? undefined : vlan,
  };
}

function addPciDevices(config: Record<string, VmConfigValue>, data: VmProviderData): void {
  const devices = data.pci_devices ?? [];
  if (devices.length > MAX_PCI_DEVICES) {
    throw new VmSpecError(
      "invalid_vm_input",
      "pci_devices",
      `${devices.length} devices; Proxmox has hostpci0–hostpci15`,
    );
  }
  devices.forEach((device, index) => {
    const field = `pci_devices[${index}]`;
    if ((device.mapping === undefined) === (device.id === undefined)) {
      throw new VmSpecError(
        "invalid_vm_input",
        field,
        "set exactly one of `mapping` (resource mapping name) or `id` (host PCI ID)",
      );
    }
    if (device.mapping !== undefined && !/^[a-z][a-z0-9_-]+$/i.test(device.mapping)) {
      throw new VmSpecError(
        "invalid_vm_input",
        `${field}.mapping`,
        `"${device.mapping}" is not a mapping ID (letters, digits, _ and -)`,
      );
    }
    if (device.id !== undefined && !/^([a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?$/i.test(device.id)) {
      throw new VmSpecError(
        "invalid_vm_input",
        `${field}.id`,
        `"${device.id}" is not a host PCI ID like 0000:01:00.0 or 01:00`,
      );
    }
    config[`hostpci${index}`] = {
      host: device.id,
      mapping: device.mapping,
      mdev: device.mdev,
      pcie: device.pcie === true ? true : undefined,
      // Written whenever the user chose: `rombar: false` must reach Proxmox as rombar=0 (the Go provider dropped it).
      rombar: device.rombar,
      "x-vga": device.primary_gpu === true ? true : undefined,
    };
  });
}

function addUsbDevices(config: Record<string, VmConfigValue>, data: VmProviderData): void {
  const devices = data.usb_devices ?? [];
  if (devices.length > MAX_USB_DEVICES) {
    throw new VmSpecError("invalid_vm_input", "usb_devices", `${devices.length} devices; Proxmox has usb0–usb14`);
  }
  devices.forEach((device, index) => {
    if ((device.mapping === undefined) === (device.host === undefined)) {
      throw new VmSpecError("invalid_vm_input", `usb_devices[${index}]`, "set exactly one of `mapping` or `host`");
    }
    config[`usb${index}`] = {
      host: device.host,
      mapping: device.mapping,
      usb3: device.usb3 === true ? true : undefined,
    };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const STORAGE = /^[a-z][a-z0-9._-]*[a-z0-9]$/i;

function validateScalars(input: VmSpecInput): void {
  const { data, placement } = input;
  assertRange(input.vmid, "vmid", 100, 999_999_999);
  if (!UUID.test(input.machineUuid)) {
    throw new VmSpecError("invalid_vm_input", "machineUuid", `"${input.machineUuid}" is not a UUID like 7d3c2b1a-…`);
  }
  if (!NODE.test(placement.node)) {
    throw new VmSpecError("invalid_vm_input", "placement.node", `"${placement.node}" is not a Proxmox node name`);
  }
  assertStorage(placement.diskStorage, "placement.diskStorage");
  if (placement.efiStorage !== undefined) assertStorage(placement.efiStorage, "placement.efiStorage");
  assertVolume(placement.isoVolume, "placement.isoVolume");
  assertPositiveInteger(data.cores, "cores", 1);
  if (data.sockets !== undefined) assertPositiveInteger(data.sockets, "sockets", 1);
  assertPositiveInteger(data.memory, "memory", 16);
  assertPositiveInteger(data.disk_size, "disk_size", 1);
  if (data.cpu_type !== undefined && !/^[\w.+-]+$/.test(data.cpu_type)) {
    throw new VmSpecError(
      "invalid_vm_input",
      "cpu_type",
      `"${data.cpu_type}" is not a CPU type like x86-64-v2-AES or host`,
    );
  }
}

function assertStorage(storage: string, field: string): void {
  if (!STORAGE.test(storage)) {
    throw new VmSpecError("invalid_vm_input", field, `"${storage}" is not a Proxmox storage ID like local-lvm`);
  }
}

function assertVolume(volume: string, field: string): void {
  const colon = volume.indexOf(":");
  if (colon < 2 || !STORAGE.test(volume.slice(0, colon)) || volume.length === colon + 1 || /[,\s]/.test(volume)) {
    throw new VmSpecError("invalid_vm_input", field, `"${volume}" is not a volume ID like local:iso/talos.iso`);
  }
}

function assertPositiveInteger(value: number, field: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new VmSpecError("invalid_vm_input", field, `${value} must be an integer ≥ ${min}`);
  }
}

function assertRange(value: number, field: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VmSpecError("invalid_vm_input", field, `${value} must be an integer from ${min} to ${max}`);
  }
}
