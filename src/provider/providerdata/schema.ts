/**
 * The providerdata schema: every key Sidero's Go provider (omni-infra-provider-proxmox v0.3.0)
 * accepts, with its name, type, default and meaning, plus our additions. Keys stay snake_case, exactly
 * as users write them in MachineClass YAML, so the parsed object and the published JSON Schema use
 * the same names (no camelCase mapping to get wrong).
 *
 * Only per-field shape lives here; rules across fields (static networking, CEL selectors, node vs
 * node_selector) are checked in `rules.ts` after this schema accepts the shape.
 */
import { z } from "zod";

/** Proxmox tag: letters, digits, `_ - + .`, not starting with `-+.` (pve-tag-list). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_\-+.]*$/;
const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
const MAPPING_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const POOL_NAME = /^[A-Za-z0-9_.\-/]+$/;
const CPU_MODEL = /^[A-Za-z0-9_.+-]+$/;
/** A Proxmox machine type, optionally with property-string options (`q35,viommu=intel`). */
const MACHINE_TYPE =
  /^(?:type=)?(?:pc|q35|virt|pc-(?:i440fx-)?\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|pc-q35-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|virt-\d+(?:\.\d+)+(?:\+pve\d+)?)(?:,[a-z-]+=[A-Za-z0-9_.-]+)*$/;
const VGA =
  /^(?:type=)?(?:cirrus|none|qxl|qxl2|qxl3|qxl4|serial[0-3]|std|virtio|virtio-gl|vmware)(?:,(?:clipboard=vnc|memory=\d+))*$/;
const EXTENSION = /^siderolabs\/[a-z0-9][a-z0-9._-]*$/;
const KERNEL_ARG = /^\S+$/;
const VMID_RANGE = /^\d+-\d+$/;
const HA_NODE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(?::\d+)?$/;
const HA_RULE = /^[A-Za-z][A-Za-z0-9_-]*$/;

const selector = (what: string) =>
  z.string().describe(`CEL expression selecting the storage for ${what}; see docs/cel-storage-selectors.md`);
const diskCache = z
  .enum(["none", "writethrough", "writeback", "unsafe", "directsync"])
  .describe("QEMU disk cache mode (Proxmox `cache=`); unset keeps the Proxmox default (no cache)");
const diskAio = z
  .enum(["native", "threads", "io_uring"])
  .describe("QEMU disk AIO mode (Proxmox `aio=`); unset keeps the Proxmox default");

export const additionalDiskSchema = z.strictObject({
  storage_selector: selector("this disk"),
  disk_size: z.int().min(1).max(131072).describe("Disk size in GB (Proxmox GiB)"),
  disk_cache: diskCache.optional(),
  disk_aio: diskAio.optional(),
  disk_ssd: z.boolean().default(false).describe("Present the disk as an SSD (`ssd=1`)"),
  disk_discard: z.boolean().default(false).describe("Pass TRIM/discard through (`discard=on`)"),
  disk_iothread: z.boolean().default(false).describe("Dedicated IO thread for the disk (`iothread=1`)"),
});

export const additionalNicSchema = z.strictObject({
  bridge: z.string().min(1).describe("Proxmox bridge, e.g. vmbr1"),
  vlan: z.int().min(0).max(4094).default(0).describe("VLAN tag; 0 for none"),
  firewall: z
    .boolean()
    .default(false)
    .describe("Proxmox firewall on this NIC (off by default, e.g. for storage networks)"),
});

export const pciDeviceSchema = z.strictObject({
  mapping: z
    .string()
    .regex(MAPPING_NAME, {
      error: "write the name of a PCI resource mapping (Datacenter → Resource Mappings), e.g. nvidia-gpu-1",
    })
    .describe("PCI resource mapping name"),
  mdev: z.string().min(1).optional().describe("Mediated device type, e.g. nvidia-180 (vGPU)"),
  pcie: z.boolean().default(false).describe("Attach as PCIe (q35 machine type), recommended for GPUs"),
  primary_gpu: z.boolean().default(false).describe("Use as the primary GPU (`x-vga=1`)"),
  rombar: z.boolean().default(true).describe("Expose the device ROM BAR; set false to hide it (`rombar=0`)"),
});

export const usbDeviceSchema = z.strictObject({
  mapping: z
    .string()
    .regex(MAPPING_NAME, { error: "write the name of a USB resource mapping, e.g. zigbee-controller" })
    .describe("USB resource mapping name"),
  usb3: z.boolean().default(false).describe("Attach to the USB 3 controller"),
});

export const haSchema = z.strictObject({
  state: z
    .enum(["started", "stopped", "enabled", "disabled", "ignored"])
    .optional()
    .describe("Requested HA state of the VM"),
  comment: z.string().max(4096).optional(),
  max_restart: z.int().min(0).max(10).optional().describe("Restart attempts on the same node before relocating"),
  max_relocate: z.int().min(0).max(10).optional().describe("Relocation attempts after restarts failed"),
  failback: z.boolean().optional().describe("Move back to the highest-priority node when it returns"),
  node_affinity_nodes: z
    .array(z.string().regex(HA_NODE, { error: "write a node name, optionally with a priority, e.g. pve1 or pve1:2" }))
    .min(1)
    .optional()
    .describe("Nodes for the machine request set's node-affinity rule (node or node:priority)"),
  node_affinity_strict: z.boolean().optional().describe("Only ever run on node_affinity_nodes"),
  resource_affinity: z
    .enum(["positive", "negative"])
    .optional()
    .describe("Resource-affinity rule for the machine request set: negative spreads its VMs across nodes"),
  rules: z
    .array(z.string().regex(HA_RULE, { error: "write the id of an existing HA rule" }))
    .optional()
    .describe("Existing HA rules to add the VM to"),
});

export const providerDataSchema = z
  .strictObject({
    // --- Go provider v0.3.0 keys -------------------------------------------------------------------
    cores: z.int().min(1).max(1024).default(1).describe("CPU cores per socket"),
    sockets: z.int().min(1).max(16).default(1).describe("CPU sockets"),
    memory: z
      .int()
      .min(2048)
      .max(8 * 1024 * 1024)
      .describe("Memory in MB (Proxmox MiB); Talos needs at least 2048"),
    disk_size: z.int().min(5).max(131072).describe("Boot disk size in GB (Proxmox GiB)"),
    storage_selector: selector("the boot disk"),
    node: z
      .string()
      .regex(NODE_NAME, { error: "write a Proxmox node name, e.g. pve1" })
      .optional()
      .describe("Pin the VM to this node"),
    network_bridge: z.string().min(1).default("vmbr0").describe("Bridge of the primary NIC"),
    vlan: z.int().min(0).max(4094).default(0).describe("VLAN tag of the primary NIC; 0 for none"),
    network_firewall: z.boolean().default(true).describe("Proxmox firewall on the primary NIC"),
    disk_ssd: z.boolean().default(false).describe("Present the boot disk as an SSD"),
    disk_discard: z.boolean().default(false).describe("Pass TRIM/discard through on the boot disk"),
    disk_iothread: z.boolean().default(false).describe("Dedicated IO thread for the boot disk"),
    disk_cache: diskCache.optional(),
    disk_aio: diskAio.optional(),
    cpu_type: z
      .string()
      .regex(CPU_MODEL, { error: "write a Proxmox CPU model, e.g. x86-64-v2-AES or host" })
      .default("x86-64-v2-AES")
      .describe("Proxmox CPU model; `host` for GPU passthrough"),
    machine_type: z
      .string()
      .regex(MACHINE_TYPE, { error: "write a Proxmox machine type, e.g. q35, pc or pc-q35-9.0" })
      .optional()
      .describe("QEMU machine type; unset keeps the Proxmox default (i440fx)"),
    numa: z.boolean().default(false).describe("Enable NUMA"),
    hugepages: z
      .enum(["2", "1024", "any"])
      .optional()
      .describe("Hugepage size in MB; Proxmox only accepts this from root@pam with a password"),
    balloon: z
      .boolean()
      .optional()
      .describe("Memory ballooning device; false sets balloon=0, unset keeps the Proxmox default"),
    bios: z.enum(["seabios", "ovmf"]).optional().describe("Firmware; ovmf (UEFI) gets an EFI disk"),
    vga: z
      .string()
      .regex(VGA, { error: "write a Proxmox display type, e.g. std, serial0, virtio or none" })
      .optional()
      .describe("Display device (Proxmox `vga=`), e.g. serial0 for a serial console"),
    pool: z
      .string()
      .regex(POOL_NAME, { error: "write an existing Proxmox resource pool id" })
      .optional()
      .describe("Proxmox resource pool the VM joins"),
    tags: z
      .array(
        z.string().regex(TAG, { error: "write a Proxmox tag: letters, digits, _ - + . (not starting with - + .)" }),
      )
      .default([])
      .describe("Extra Proxmox tags on the VM"),
    placement_strategy: z
      .enum(["spread", "fewer-vms", "round-robin", "binpack"])
      .default("spread")
      .describe(
        "How a node is chosen: spread the machine request set, fewest VMs, round-robin, or fill nodes (binpack)",
      ),
    additional_disks: z.array(additionalDiskSchema).max(29).default([]).describe("Extra disks (scsi1…)"),
    additional_nics: z.array(additionalNicSchema).max(31).default([]).describe("Extra NICs (net1…)"),
    pci_devices: z
      .array(pciDeviceSchema)
      .max(16)
      .default([])
      .describe("PCI(e) passthrough via resource mappings (hostpci0…)"),
    usb_devices: z.array(usbDeviceSchema).max(14).default([]).describe("USB passthrough via resource mappings (usb0…)"),
    ha: haSchema.optional().describe("Register the VM as a Proxmox HA resource (PVE 9+) with per-set affinity rules"),
    network_subnet: z
      .string()
      .optional()
      .describe("CIDR that turns on static addressing (IPv4 or IPv6), e.g. 192.168.26.0/24"),
    network_gateway: z.string().optional().describe("Default gateway for static addressing"),
    network_nameservers: z.array(z.string()).optional().describe("DNS servers for static addressing"),
    network_ip: z.string().optional().describe("Fixed address (one-machine classes); exclusive with network_base_ip"),
    network_base_ip: z
      .string()
      .optional()
      .describe("Address of the VM whose VMID is the start of vmid_range; others are offset by VMID"),
    network_mtu: z
      .int()
      .min(576)
      .max(65520)
      .optional()
      .describe("Link MTU for static addressing (≥ 576 IPv4, ≥ 1280 IPv6)"),
    vmid_range: z
      .string()
      .regex(VMID_RANGE, { error: "write start-end, e.g. 5300-5350" })
      .optional()
      .describe("Allocate VMIDs from start-end (lowest free first)"),
    // --- omni-proxmox additions ------------------------------------------------------------------
    node_selector: z
      .string()
      .optional()
      .describe('CEL expression over node fields choosing eligible nodes, e.g. "gpu" in node.tags'),
    extensions: z
      .array(
        z.string().regex(EXTENSION, { error: "write an official Talos extension name, e.g. siderolabs/iscsi-tools" }),
      )
      .default([])
      .describe("Talos system extensions added to the schematic (siderolabs/qemu-guest-agent is always included)"),
    kernel_args: z
      .array(
        z
          .string()
          .regex(KERNEL_ARG, { error: "write one kernel argument per list item, without spaces, e.g. console=ttyS0" }),
      )
      .default([])
      .describe("Extra kernel arguments added to the schematic"),
    iso_storage_selector: selector("the Talos ISO").optional(),
    cidata_storage_selector: selector("the NoCloud cidata image").optional(),
    stable_mac: z
      .boolean()
      .default(true)
      .describe("Derive the primary NIC's MAC from the machine request ID so it survives re-creation"),
    shutdown_timeout: z
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe("Seconds to wait for a graceful shutdown on deprovision before stopping; 0 stops at once"),
  })
  .describe("omni-proxmox providerdata (compatible with omni-infra-provider-proxmox v0.3.0)");

/** The parsed, defaulted providerdata. Keys are snake_case, as written in MachineClass YAML. */
export type ProviderData = z.output<typeof providerDataSchema>;
/** What a user may write (defaults not yet applied). */
export type ProviderDataInput = z.input<typeof providerDataSchema>;
export type AdditionalDisk = z.output<typeof additionalDiskSchema>;
export type AdditionalNic = z.output<typeof additionalNicSchema>;
export type PciDevice = z.output<typeof pciDeviceSchema>;
export type UsbDevice = z.output<typeof usbDeviceSchema>;
export type HaConfig = z.output<typeof haSchema>;
export type PlacementStrategy = ProviderData["placement_strategy"];
