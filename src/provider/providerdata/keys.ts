/**
 * The providerdata keys for docs: type, default and parity with the Go provider v0.3.0.
 * `parity`: "same" = same name, type, default and meaning; "stricter" = same meaning, but values the
 * Go provider silently accepted are rejected or warned about up front; "ours" = not in the Go provider.
 */
export interface KeyDoc {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly parity: "same" | "stricter" | "ours";
  readonly notes: string;
}

export const PROVIDER_DATA_KEYS: readonly KeyDoc[] = [
  {
    key: "cores",
    type: "int ≥ 1",
    default: "1",
    parity: "same",
    notes: "Cores per socket. The Go provider sent 0 when unset (Proxmox rejects it); we default to 1.",
  },
  { key: "sockets", type: "int ≥ 1", default: "1", parity: "same", notes: "As cores: unset means 1." },
  {
    key: "memory",
    type: "int ≥ 2048",
    default: "required",
    parity: "same",
    notes: "MB (Proxmox MiB); minimum from the Go schema.",
  },
  {
    key: "disk_size",
    type: "int ≥ 5",
    default: "required",
    parity: "same",
    notes: "GB (Proxmox GiB); minimum from the Go schema.",
  },
  {
    key: "storage_selector",
    type: "CEL (storage)",
    default: "required",
    parity: "stricter",
    notes:
      "Type-checked at validation; classic mistakes get a fix. Most free space wins among matches (Go: first match).",
  },
  {
    key: "node",
    type: "string",
    default: "—",
    parity: "stricter",
    notes: "Pin. An offline or unknown pinned node is a typed error, not a crash.",
  },
  { key: "network_bridge", type: "string", default: "vmbr0", parity: "same", notes: "" },
  { key: "vlan", type: "int 0–4094", default: "0", parity: "same", notes: "0 = untagged." },
  { key: "network_firewall", type: "bool", default: "true", parity: "same", notes: "Primary NIC firewall." },
  { key: "disk_ssd", type: "bool", default: "false", parity: "same", notes: "" },
  { key: "disk_discard", type: "bool", default: "false", parity: "same", notes: "" },
  { key: "disk_iothread", type: "bool", default: "false", parity: "same", notes: "" },
  {
    key: "disk_cache",
    type: "enum",
    default: "Proxmox default",
    parity: "stricter",
    notes: "none | writethrough | writeback | unsafe | directsync.",
  },
  {
    key: "disk_aio",
    type: "enum",
    default: "Proxmox default",
    parity: "stricter",
    notes: "native | threads | io_uring.",
  },
  { key: "cpu_type", type: "string", default: "x86-64-v2-AES", parity: "same", notes: "`host` for GPU passthrough." },
  {
    key: "machine_type",
    type: "string",
    default: "Proxmox default",
    parity: "stricter",
    notes: "q35, pc, pc-q35-9.0, … (pattern-checked).",
  },
  { key: "numa", type: "bool", default: "false", parity: "same", notes: "" },
  {
    key: "hugepages",
    type: "enum 2|1024|any",
    default: "—",
    parity: "stricter",
    notes: "Warns: Proxmox accepts it only from root@pam with a password.",
  },
  { key: "balloon", type: "bool", default: "Proxmox default", parity: "same", notes: "false → balloon=0." },
  { key: "bios", type: "enum seabios|ovmf", default: "Proxmox default", parity: "stricter", notes: "" },
  {
    key: "vga",
    type: "string",
    default: "Proxmox default",
    parity: "stricter",
    notes: "Display type, e.g. serial0, std, none (pattern-checked).",
  },
  { key: "pool", type: "string", default: "—", parity: "same", notes: "Resource pool." },
  {
    key: "tags",
    type: "list<string>",
    default: "[]",
    parity: "stricter",
    notes: "Proxmox tag syntax checked; our own marks are added.",
  },
  {
    key: "placement_strategy",
    type: "enum",
    default: "spread",
    parity: "same",
    notes: "spread | fewer-vms | round-robin | binpack; placement on committed (configured) memory, not used memory.",
  },
  {
    key: "additional_disks[]",
    type: "list",
    default: "[]",
    parity: "same",
    notes: "storage_selector, disk_size (GB), disk_cache, disk_aio, disk_ssd, disk_discard, disk_iothread.",
  },
  {
    key: "additional_nics[]",
    type: "list",
    default: "[]",
    parity: "same",
    notes: "bridge, vlan, firewall (default false).",
  },
  {
    key: "pci_devices[]",
    type: "list",
    default: "[]",
    parity: "stricter",
    notes: "mapping, mdev, pcie, primary_gpu, rombar (default true; `rombar: false` now takes effect).",
  },
  { key: "usb_devices[]", type: "list", default: "[]", parity: "same", notes: "mapping, usb3." },
  {
    key: "ha",
    type: "mapping",
    default: "—",
    parity: "same",
    notes:
      "state, comment, max_restart, max_relocate, failback, node_affinity_nodes, node_affinity_strict, resource_affinity, rules (PVE 9+).",
  },
  {
    key: "network_subnet",
    type: "CIDR",
    default: "— (DHCP)",
    parity: "same",
    notes: "Turns on static addressing; IPv4 or IPv6.",
  },
  { key: "network_gateway", type: "IP", default: "—", parity: "stricter", notes: "Same family, inside the subnet." },
  { key: "network_nameservers", type: "list<IP>", default: "—", parity: "same", notes: "" },
  {
    key: "network_ip",
    type: "IP",
    default: "—",
    parity: "same",
    notes: "Exactly one of network_ip / network_base_ip.",
  },
  {
    key: "network_base_ip",
    type: "IP",
    default: "—",
    parity: "same",
    notes: "Needs vmid_range; whole range must fit the subnet.",
  },
  { key: "network_mtu", type: "int", default: "—", parity: "same", notes: "≥ 576 (IPv4) / ≥ 1280 (IPv6)." },
  { key: "vmid_range", type: "start-end", default: "—", parity: "same", notes: "Lowest free VMID first." },
  {
    key: "node_selector",
    type: "CEL (node)",
    default: "—",
    parity: "ours",
    notes: "Variables name, node.{name,status,maxcpu,maxmem,mem,cpu,tags}. Exclusive with node.",
  },
  {
    key: "extensions",
    type: "list<string>",
    default: "[]",
    parity: "ours",
    notes: "siderolabs/<name>; added to the schematic with siderolabs/qemu-guest-agent.",
  },
  { key: "kernel_args", type: "list<string>", default: "[]", parity: "ours", notes: "Added to the schematic." },
  {
    key: "iso_storage_selector",
    type: "CEL (storage)",
    default: "most free iso storage",
    parity: "ours",
    notes: "Where the Talos ISO is downloaded.",
  },
  {
    key: "cidata_storage_selector",
    type: "CEL (storage)",
    default: "most free iso storage",
    parity: "ours",
    notes: "Where the NoCloud cidata image is uploaded.",
  },
  {
    key: "stable_mac",
    type: "bool",
    default: "true",
    parity: "ours",
    notes: "MAC derived from the machine request ID; false lets Proxmox pick.",
  },
  {
    key: "shutdown_timeout",
    type: "int seconds 0–3600",
    default: "60",
    parity: "ours",
    notes: "Graceful shutdown before stop on deprovision.",
  },
];
