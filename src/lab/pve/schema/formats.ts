import { isIP } from "node:net";
import type { SchemaProperty } from "./types.ts";

/**
 * Named formats the schema only references by name. Rules follow pve-common JSONSchema.pm and the format
 * notes in endpoints.md; each checker returns an error text or undefined.
 */
type FormatCheck = (value: string) => string | undefined;

const re =
  (regex: RegExp, what: string): FormatCheck =>
  (v) =>
    regex.test(v) ? undefined : `value does not look like a valid ${what}`;

const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const VOLUME_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i;
const DNS_LABEL = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";

function checkVolumeOrPath(v: string): string | undefined {
  if (v === "none" || v === "cdrom" || v.startsWith("/")) return undefined;
  return VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'`;
}

function checkCidr(v: string, family: 0 | 4 | 6): string | undefined {
  const [addr, mask, extra] = v.split("/");
  if (extra !== undefined || addr === undefined || mask === undefined || !/^\d+$/.test(mask)) {
    return `value does not look like a valid CIDR network`;
  }
  const fam = isIP(addr);
  if (fam === 0 || (family !== 0 && fam !== family)) return `value does not look like a valid CIDR network`;
  if (Number(mask) > (fam === 4 ? 32 : 128)) return `value does not look like a valid CIDR network`;
  return undefined;
}

const SIMPLE_FORMATS: Record<string, FormatCheck> = {
  "pve-node": re(new RegExp(`^${DNS_LABEL}$`), "node name"),
  "pve-vmid": re(/^[1-9][0-9]{2,8}$/, "VM ID"),
  "pve-storage-id": (v) => (STORAGE_ID.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  "pve-configid": (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`),
  "pve-poolid": (v) => (/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+){0,2}$/.test(v) ? undefined : `invalid pool ID '${v}'`),
  "dns-name": re(new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`), "DNS name"),
  "pve-tag": (v) => (/^[a-z0-9_][a-z0-9_+.-]*$/i.test(v) ? undefined : `invalid tag '${v}'`),
  "pve-bridge-id": re(/^[-_.\w\d]+$/, "bridge name"),
  "pve-iface": re(/^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.]\d+)?$/, "interface name"),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : `value does not look like a valid unicast MAC`,
  "disk-size": (v) => (/^(\d+(\.\d+)?)([KMGT](iB)?)?$/.test(v) ? undefined : `unable to parse size '${v}'`),
  "pve-volume-id": (v) => (VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'`),
  "pve-volume-id-or-qm-path": checkVolumeOrPath,
  "pve-volume-id-or-absolute-path": (v) =>
    v.startsWith("/") || VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'`,
  "pve-qm-ide": checkVolumeOrPath,
  "pve-storage-content": (v) =>
    /^(images|rootdir|vztmpl|iso|backup|snippets|import|none)$/.test(v) ? undefined : `invalid content type '${v}'`,
  urlencoded: re(/^[-%a-zA-Z0-9_.!~*'()]*$/, "url encoded string"),
  "pve-userid": re(/^[^\s:/]+@[A-Za-z][A-Za-z0-9._-]*$/, "user ID"),
  "pve-tokenid": re(/^[^\s:/]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]+$/, "token ID"),
  "pve-realm": re(/^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$/, "realm"),
  "pve-qm-bootdisk": re(/^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/, "boot disk"),
  "pve-ha-resource-or-vm-id": re(/^((vm|ct):)?\d+$/, "HA resource ID"),
  "pve-ha-resource-id": re(/^(vm|ct):\d+$/, "HA resource ID"),
  ip: (v) => (isIP(v) ? undefined : `value does not look like a valid IP address`),
  ipv4: (v) => (isIP(v) === 4 ? undefined : `value does not look like a valid IPv4 address`),
  ipv6: (v) => (isIP(v) === 6 ? undefined : `value does not look like a valid IPv6 address`),
  address: (v) => (isIP(v) ? undefined : `value does not look like a valid address`),
  CIDR: (v) => checkCidr(v, 0),
  CIDRv4: (v) => checkCidr(v, 4),
  CIDRv6: (v) => checkCidr(v, 6),
  "pve-priv": re(/^[A-Z][A-Za-z]*(\.[A-Za-z]+)*$/, "privilege"),
  // `<node>[:<pri>]{,<node>[:<pri>]}*`: each node may carry a priority.
  "pve-ha-node": re(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(:\d+)?$/, "HA node[:priority]"),
};

/** Base formats of the `*-list` formats whose names do not simply drop `-list`. */
const LIST_BASE: Record<string, string> = {
  "pve-tag-list": "pve-tag",
  "pve-priv-list": "pve-priv",
  "pve-ha-node-list": "pve-ha-node",
  "pve-ha-resource-id-list": "pve-ha-resource-id",
  "ip-list": "ip",
  "address-list": "address",
  "dns-name-list": "dns-name",
};

/**
 * Checks `value` against a named (non property-string) format. Unknown format names pass: the schema
 * references ~130 formats and only those a provider can reach are modelled here.
 */
export function checkNamedFormat(format: string, value: string): string | undefined {
  const simple = SIMPLE_FORMATS[format];
  if (simple) return simple(value);
  const base = LIST_BASE[format] ?? (format.endsWith("-list") ? format.slice(0, -"-list".length) : undefined);
  const baseCheck = base ? SIMPLE_FORMATS[base] : undefined;
  if (baseCheck) {
    for (const item of value.split(/[;,\s]+/).filter((s) => s.length > 0)) {
      const err = baseCheck(item);
      if (err) return err;
    }
  }
  return undefined;
}

const opt = (p: SchemaProperty): SchemaProperty => ({ optional: 1, ...p });
const bool: SchemaProperty = { type: "boolean", optional: 1 };
const str: SchemaProperty = { type: "string", optional: 1 };
const HEX_ID = "(?:0x)?[0-9a-fA-F]{4}";
const PCI_ID = "(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\\.[a-f0-9])?";

/**
 * Property-string formats the schema names but does not spell out (sub-keys from qm.conf.5-opts, as listed
 * in endpoints.md). Inline formats (drives, net, agent, memory, …) come from the schema itself.
 */
export const NAMED_PROPERTY_FORMATS: Record<string, Record<string, SchemaProperty>> = {
  "pve-qm-smbios1": {
    base64: bool,
    family: str,
    manufacturer: str,
    product: str,
    serial: str,
    sku: str,
    version: str,
    uuid: opt({ type: "string", pattern: "[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}" }),
  },
  "pve-qm-hostpci": {
    host: opt({ type: "string", default_key: 1, pattern: `${PCI_ID}(?:;${PCI_ID})*` }),
    "device-id": opt({ type: "string", pattern: HEX_ID }),
    "vendor-id": opt({ type: "string", pattern: HEX_ID }),
    "sub-device-id": opt({ type: "string", pattern: HEX_ID }),
    "sub-vendor-id": opt({ type: "string", pattern: HEX_ID }),
    driver: opt({ type: "string", enum: ["vfio", "keep"] }),
    "legacy-igd": bool,
    mapping: opt({ type: "string", format: "pve-configid" }),
    mdev: str,
    pcie: bool,
    rombar: bool,
    romfile: str,
    "x-vga": bool,
  },
  "pve-vm-cpu-conf": {
    cputype: opt({ type: "string", default_key: 1, pattern: "[\\w.+-]+" }),
    flags: opt({ type: "string", pattern: "[+-][\\w.-]+(?:;[+-][\\w.-]+)*" }),
    "guest-phys-bits": opt({ type: "integer", minimum: 32, maximum: 64 }),
    hidden: bool,
    "hv-vendor-id": opt({ type: "string", pattern: "[a-zA-Z0-9]{1,12}" }),
    "phys-bits": opt({ type: "string", pattern: "host|[1-9]\\d?" }),
    "reported-model": str,
  },
  "pve-qm-boot": {
    legacy: opt({ type: "string", default_key: 1, pattern: "[acdn]{1,4}" }),
    order: opt({ type: "string", pattern: "(?:[a-z]+\\d+(?:;[a-z]+\\d+)*)?" }),
  },
  "pve-qm-ipconfig": {
    gw: opt({ type: "string", format: "ipv4" }),
    gw6: opt({ type: "string", format: "ipv6" }),
    ip: opt({ type: "string", pattern: "dhcp|manual|[0-9.]+/\\d+" }),
    ip6: opt({ type: "string", pattern: "dhcp|auto|manual|[0-9a-fA-F:.]+/\\d+" }),
  },
  "pve-qm-cicustom": {
    meta: opt({ type: "string", format: "pve-volume-id" }),
    network: opt({ type: "string", format: "pve-volume-id" }),
    user: opt({ type: "string", format: "pve-volume-id" }),
    vendor: opt({ type: "string", format: "pve-volume-id" }),
  },
  "pve-qm-rng": {
    source: { type: "string", default_key: 1, enum: ["/dev/urandom", "/dev/random", "/dev/hwrng"] },
    max_bytes: opt({ type: "integer", minimum: 0 }),
    period: opt({ type: "integer", minimum: 0 }),
  },
  "pve-qm-watchdog": {
    model: opt({ type: "string", default_key: 1, enum: ["i6300esb", "ib700"] }),
    action: opt({ type: "string", enum: ["reset", "shutdown", "poweroff", "pause", "debug", "none"] }),
  },
  "pve-startup-order": {
    order: opt({ type: "integer", default_key: 1, minimum: 0 }),
    up: opt({ type: "integer", minimum: 0 }),
    down: opt({ type: "integer", minimum: 0 }),
  },
};

/** The sub-key map of a property-string format (inline or named), or undefined for a plain named format. */
export function propertyFormatOf(prop: SchemaProperty): Record<string, SchemaProperty> | undefined {
  if (prop.format && typeof prop.format === "object") return prop.format;
  if (typeof prop.format === "string") return NAMED_PROPERTY_FORMATS[prop.format];
  return undefined;
}

const regexCache = new Map<string, RegExp>();

/**
 * Compiles a schema pattern (Perl syntax) to an anchored JS RegExp: `(?^:…)`/`(?^i:…)` become plain or
 * case-insensitive groups, `{,n}` becomes `{0,n}`; Perl matches `^pattern$`.
 */
export function compilePattern(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) return cached;
  let src = pattern.replace(/\(\?\^i:/g, "(?i:").replace(/\(\?\^:/g, "(?:");
  src = src.replace(/\{,(\d+)\}/g, "{0,$1}").replace(/\\z/g, "$");
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${src})$`);
  } catch {
    compiled = /^[\s\S]*$/;
  }
  regexCache.set(pattern, compiled);
  return compiled;
}
