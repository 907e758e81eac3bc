/**
 * The one encoder/decoder for Proxmox property strings (`scsi0`, `net0`, `hostpci0`, `smbios1`, …): a
 * comma-separated `key=value` list whose format-specific default key may be written bare as the first
 * element (`local-lvm:32,ssd=1` → `{ file: "local-lvm:32", ssd: "1" }`). Pure logic, no I/O.
 *
 * Canonical output follows what Proxmox writes back into a VM config: the default key first (bare), then
 * the other keys sorted by name. A network device leads with `<model>=<mac>` (`virtio=BC:24:11:…`).
 */
import { ProxmoxError } from "./errors.ts";

const DRIVE_COMMON = [
  "aio",
  "backup",
  "bps",
  "bps_max_length",
  "bps_rd",
  "bps_rd_max_length",
  "bps_wr",
  "bps_wr_max_length",
  "cache",
  "detect_zeroes",
  "discard",
  "file",
  "format",
  "import-from",
  "iops",
  "iops_max",
  "iops_max_length",
  "iops_rd",
  "iops_rd_max",
  "iops_rd_max_length",
  "iops_wr",
  "iops_wr_max",
  "iops_wr_max_length",
  "mbps",
  "mbps_max",
  "mbps_rd",
  "mbps_rd_max",
  "mbps_wr",
  "mbps_wr_max",
  "media",
  "replicate",
  "rerror",
  "serial",
  "shared",
  "size",
  "snapshot",
  "werror",
] as const;

const DRIVE_ALIASES = {
  volume: "file",
  bps_rd_length: "bps_rd_max_length",
  bps_wr_length: "bps_wr_max_length",
  iops_rd_length: "iops_rd_max_length",
  iops_wr_length: "iops_wr_max_length",
} as const;

/** Network card models; in a `netN` string `<model>=<mac>` sets both `model` and `macaddr`. */
export const NET_MODELS = [
  "e1000",
  "e1000-82540em",
  "e1000-82544gc",
  "e1000-82545em",
  "e1000e",
  "i82551",
  "i82557b",
  "i82559er",
  "ne2k_isa",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
  "vmxnet3",
] as const;

interface FormatSpec {
  /** The key that may appear bare as the first element. */
  defaultKey?: string;
  keys: readonly string[];
  aliases?: Readonly<Record<string, string>>;
}

const SPECS = {
  scsi: {
    defaultKey: "file",
    keys: [...DRIVE_COMMON, "iothread", "product", "queues", "ro", "scsiblock", "ssd", "vendor", "wwn"],
    aliases: DRIVE_ALIASES,
  },
  ide: { defaultKey: "file", keys: [...DRIVE_COMMON, "model", "ssd", "wwn"], aliases: DRIVE_ALIASES },
  sata: { defaultKey: "file", keys: [...DRIVE_COMMON, "ssd", "wwn"], aliases: DRIVE_ALIASES },
  virtio: { defaultKey: "file", keys: [...DRIVE_COMMON, "iothread", "ro"], aliases: DRIVE_ALIASES },
  efidisk: {
    defaultKey: "file",
    keys: ["efitype", "file", "format", "import-from", "ms-cert", "pre-enrolled-keys", "size"],
    aliases: { volume: "file" },
  },
  tpmstate: {
    defaultKey: "file",
    keys: ["file", "format", "import-from", "size", "version"],
    aliases: { volume: "file" },
  },
  unused: { defaultKey: "file", keys: ["file"], aliases: { volume: "file" } },
  net: {
    defaultKey: "model",
    keys: ["bridge", "firewall", "link_down", "macaddr", "model", "mtu", "queues", "rate", "tag", "trunks"],
  },
  hostpci: {
    defaultKey: "host",
    keys: [
      "device-id",
      "driver",
      "host",
      "legacy-igd",
      "mapping",
      "mdev",
      "pcie",
      "rombar",
      "romfile",
      "sub-device-id",
      "sub-vendor-id",
      "vendor-id",
      "x-vga",
    ],
  },
  usb: { defaultKey: "host", keys: ["host", "mapping", "usb3"] },
  smbios1: { keys: ["base64", "family", "manufacturer", "product", "serial", "sku", "uuid", "version"] },
  agent: {
    defaultKey: "enabled",
    keys: ["enabled", "freeze-fs", "fstrim_cloned_disks", "type"],
    aliases: { "freeze-fs-on-backup": "freeze-fs", "guest-fsfreeze": "freeze-fs" },
  },
  cpu: {
    defaultKey: "cputype",
    keys: ["cputype", "flags", "guest-phys-bits", "hidden", "hv-vendor-id", "phys-bits", "reported-model"],
  },
  memory: { defaultKey: "current", keys: ["current"] },
  machine: { defaultKey: "type", keys: ["aw-bits", "enable-s3", "enable-s4", "type", "viommu"] },
  numa: { keys: ["cpus", "hostnodes", "memory", "policy"] },
  vga: { defaultKey: "type", keys: ["clipboard", "memory", "type"] },
  boot: { defaultKey: "legacy", keys: ["legacy", "order"] },
  ipconfig: { keys: ["gw", "gw6", "ip", "ip6"] },
  cicustom: { keys: ["meta", "network", "user", "vendor"] },
  rng: { defaultKey: "source", keys: ["max_bytes", "period", "source"] },
  startup: { defaultKey: "order", keys: ["down", "order", "up"] },
  watchdog: { defaultKey: "model", keys: ["action", "model"] },
} as const satisfies Record<string, FormatSpec>;

/** Names of the property-string formats this module understands. */
export type PropertyStringFormat = keyof typeof SPECS;
export const PROPERTY_STRING_FORMATS = Object.keys(SPECS) as PropertyStringFormat[];

/** A decoded property string: sub-key → value text, exactly as Proxmox wrote it. */
export type PropertyFields = Record<string, string>;

/** What the encoder accepts per sub-key; booleans become `1`/`0`, `undefined` is skipped. */
export type PropertyInput = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * The property-string format of a VM config key (`scsi3` → `scsi`, `net0` → `net`, `cdrom` → `ide`),
 * or `undefined` for keys that are plain values (`cores`, `name`).
 *
 * @example
 * formatForConfigKey("hostpci0"); // "hostpci"
 */
export function formatForConfigKey(key: string): PropertyStringFormat | undefined {
  if (key === "cdrom") return "ide";
  const plain: Record<string, PropertyStringFormat> = {
    smbios1: "smbios1",
    agent: "agent",
    cpu: "cpu",
    memory: "memory",
    machine: "machine",
    vga: "vga",
    boot: "boot",
    cicustom: "cicustom",
    startup: "startup",
    watchdog: "watchdog",
  };
  if (plain[key]) return plain[key];
  const m = /^([a-z]+?)(\d+)$/.exec(key);
  const base = m ? m[1] : key;
  const indexed: Record<string, PropertyStringFormat> = {
    scsi: "scsi",
    ide: "ide",
    sata: "sata",
    virtio: "virtio",
    net: "net",
    hostpci: "hostpci",
    usb: "usb",
    numa: "numa",
    ipconfig: "ipconfig",
    unused: "unused",
    efidisk: "efidisk",
    tpmstate: "tpmstate",
    rng: "rng",
  };
  return m && base !== undefined ? indexed[base] : undefined;
}

/**
 * Parses a property string into its sub-keys. Aliases are folded to their canonical key (`volume` →
 * `file`, `virtio=<mac>` → `model` + `macaddr`). Unknown keys and duplicates are rejected with
 * `invalid_params`, like Proxmox does.
 *
 * @example
 * decodePropertyString("scsi", "vm_ssd:vm-101-disk-0,size=100G,ssd=1");
 * // { file: "vm_ssd:vm-101-disk-0", size: "100G", ssd: "1" }
 * decodePropertyString("net", "virtio=BC:24:11:2E:4F:01,bridge=vmbr0");
 * // { model: "virtio", macaddr: "BC:24:11:2E:4F:01", bridge: "vmbr0" }
 */
export function decodePropertyString(format: PropertyStringFormat, text: string): PropertyFields {
  const spec: FormatSpec = SPECS[format];
  const out: PropertyFields = {};
  const set = (key: string, value: string): void => {
    if (out[key] !== undefined) throw invalid(format, text, `duplicate key '${key}'`);
    out[key] = value;
  };
  const parts = text.split(",");
  parts.forEach((part, index) => {
    if (part === "") {
      if (parts.length === 1) return;
      throw invalid(format, text, "empty element");
    }
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (index !== 0 || spec.defaultKey === undefined) {
        throw invalid(format, text, `value '${part}' has no key and ${format} has no default key here`);
      }
      set(spec.defaultKey, part);
      return;
    }
    const rawKey = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (format === "net" && (NET_MODELS as readonly string[]).includes(rawKey)) {
      set("model", rawKey);
      set("macaddr", value);
      return;
    }
    const key = spec.aliases?.[rawKey] ?? rawKey;
    if (!spec.keys.includes(key)) throw invalid(format, text, `unknown key '${rawKey}'`);
    set(key, value);
  });
  return out;
}

/**
 * Builds the canonical property string for `fields`: default key bare and first, then the other keys
 * sorted; for `net`, `<model>=<mac>` first. Values must not contain `,`; booleans are written `1`/`0`.
 *
 * @example
 * encodePropertyString("scsi", { file: "local-lvm:32", ssd: true, discard: "on", iothread: 1 });
 * // "local-lvm:32,discard=on,iothread=1,ssd=1"
 * encodePropertyString("net", { model: "virtio", bridge: "vmbr0", firewall: true, tag: 20 });
 * // "virtio,bridge=vmbr0,firewall=1,tag=20"
 */
export function encodePropertyString(format: PropertyStringFormat, fields: PropertyInput): string {
  const spec: FormatSpec = SPECS[format];
  const values = new Map<string, string>();
  for (const [rawKey, raw] of Object.entries(fields)) {
    if (raw === undefined) continue;
    const key = spec.aliases?.[rawKey] ?? rawKey;
    if (!spec.keys.includes(key)) {
      throw invalid(format, JSON.stringify(Object.keys(fields)), `unknown key '${rawKey}'`);
    }
    const value = typeof raw === "boolean" ? (raw ? "1" : "0") : String(raw);
    if (/[,\n\r]/.test(value) || value === "") {
      throw invalid(format, `${key}=${value}`, `value of '${key}' must be non-empty and contain no comma or newline`);
    }
    values.set(key, value);
  }
  const parts: string[] = [];
  if (format === "net") {
    const model = values.get("model");
    if (model === undefined) throw invalid(format, "", "a network device needs 'model' (e.g. virtio)");
    const mac = values.get("macaddr");
    parts.push(mac === undefined ? model : `${model}=${mac}`);
    values.delete("model");
    values.delete("macaddr");
  } else if (spec.defaultKey !== undefined) {
    const lead = values.get(spec.defaultKey);
    if (lead !== undefined && !lead.includes("=")) {
      parts.push(lead);
      values.delete(spec.defaultKey);
    }
  }
  for (const key of [...values.keys()].sort()) parts.push(`${key}=${values.get(key)}`);
  return parts.join(",");
}

/** Text fields of `smbios1`, given and returned as plain text (base64 happens inside). */
export interface Smbios1Fields {
  uuid?: string;
  family?: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  sku?: string;
  version?: string;
}

const SMBIOS_TEXT_KEYS = ["family", "manufacturer", "product", "serial", "sku", "version"] as const;

/**
 * Encodes `smbios1`, base64-encoding the text fields (and setting `base64=1`) so any characters survive.
 *
 * @example
 * encodeSmbios1({ uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77", serial: "talos-1" });
 * // "base64=1,serial=dGFsb3MtMQ==,uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77"
 */
export function encodeSmbios1(fields: Smbios1Fields): string {
  const out: Record<string, string | undefined> = { uuid: fields.uuid };
  let anyText = false;
  for (const key of SMBIOS_TEXT_KEYS) {
    const v = fields[key];
    if (v === undefined) continue;
    out[key] = Buffer.from(v, "utf8").toString("base64");
    anyText = true;
  }
  if (anyText) out.base64 = "1";
  return encodePropertyString("smbios1", out);
}

/** Decodes `smbios1` to plain text fields, undoing base64 when the string says `base64=1`. */
export function decodeSmbios1(text: string): Smbios1Fields {
  const raw = decodePropertyString("smbios1", text);
  const b64 = raw.base64 !== undefined && parsePropertyBoolean(raw.base64);
  const out: Smbios1Fields = {};
  if (raw.uuid !== undefined) out.uuid = raw.uuid;
  for (const key of SMBIOS_TEXT_KEYS) {
    const v = raw[key];
    if (v !== undefined) out[key] = b64 ? Buffer.from(v, "base64").toString("utf8") : v;
  }
  return out;
}

/** Booleans inside property strings: 1/0, yes/no, on/off, true/false (case-insensitive). */
export function parsePropertyBoolean(value: string): boolean {
  const v = value.toLowerCase();
  if (v === "1" || v === "yes" || v === "on" || v === "true") return true;
  if (v === "0" || v === "no" || v === "off" || v === "false") return false;
  throw new ProxmoxError("invalid_params", `'${value}' is not a boolean (use 1 or 0)`);
}

function invalid(format: PropertyStringFormat, text: string, why: string): ProxmoxError {
  return new ProxmoxError("invalid_params", `invalid ${format} property string '${text}': ${why}`, {
    params: { [format]: why },
  });
}
