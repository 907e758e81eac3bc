/**
 * Up-front validation of static networking (network_subnet & co.) and vmid_range, with the Go
 * provider's rules: the subnet's family decides the family of every other address; exactly one of
 * network_ip / network_base_ip; network_base_ip needs vmid_range and the whole range must fit in the
 * subnet; no address may be the network address or the IPv4 broadcast address.
 */
import { isIP } from "node:net";
import type { ProviderDataIssue } from "./issues.ts";
import { issue } from "./issues.ts";
import type { ProviderData } from "./schema.ts";

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv6(text: string): bigint | undefined {
  let s = text;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4Tail?.[1]) {
    const v4 = parseIp(v4Tail[1]);
    if (!v4) return undefined;
    s = `${s.slice(0, -v4Tail[1].length)}${(v4.value >> 16n).toString(16)}:${(v4.value & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  const groups = halves.length > 1 ? [...head, ...Array<string>(missing).fill("0"), ...tail] : head;
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  return value;
}

/** Parses an IPv4 or IPv6 address (no zone, no prefix) into a number; undefined when invalid. */
export function parseIp(text: string): IpAddress | undefined {
  const family = isIP(text);
  if (family === 4) {
    const value = text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (family === 6 && !text.includes("%")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  return undefined;
}

export interface Cidr {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
  /** Last address of the subnet. */
  readonly last: bigint;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = BITS[ip.family];
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, network, prefix, last: network + (1n << hostBits) - 1n };
}

export function parseVmidRange(text: string): { start: number; end: number } | undefined {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) };
}

const MIN_VMID = 100;
const MAX_VMID = 999_999_999;

/** Validates vmid_range and the static networking keys; returns errors and warnings. */
export function checkNetworking(data: ProviderData): { errors: ProviderDataIssue[]; warnings: ProviderDataIssue[] } {
  const errors: ProviderDataIssue[] = [];
  const warnings: ProviderDataIssue[] = [];

  let range: { start: number; end: number } | undefined;
  if (data.vmid_range !== undefined) {
    range = parseVmidRange(data.vmid_range);
    if (range && (range.start < MIN_VMID || range.end > MAX_VMID || range.start > range.end)) {
      errors.push(
        issue(
          "invalid_value",
          "vmid_range",
          data.vmid_range,
          `is not a usable VMID range`,
          `write start-end with ${MIN_VMID} ≤ start ≤ end ≤ ${MAX_VMID}, e.g. 5300-5350`,
        ),
      );
      range = undefined;
    }
  }

  const staticKeys = [
    "network_gateway",
    "network_nameservers",
    "network_ip",
    "network_base_ip",
    "network_mtu",
  ] as const;
  if (data.network_subnet === undefined) {
    for (const key of staticKeys) {
      if (data[key] !== undefined) {
        warnings.push(
          issue(
            "no_effect",
            key,
            data[key],
            "has no effect without network_subnet (the VM uses DHCP)",
            "set network_subnet to turn on static addressing, or remove it",
          ),
        );
      }
    }
    return { errors, warnings };
  }

  const subnet = parseCidr(data.network_subnet);
  if (!subnet) {
    errors.push(
      issue(
        "invalid_value",
        "network_subnet",
        data.network_subnet,
        "is not a CIDR",
        "write an IPv4 or IPv6 CIDR, e.g. 192.168.26.0/24 or 2001:db8::/64",
      ),
    );
    return { errors, warnings };
  }
  const familyName = subnet.family === 4 ? "IPv4" : "IPv6";

  const address = (path: string, text: string): IpAddress | undefined => {
    const ip = parseIp(text);
    if (!ip) {
      errors.push(
        issue(
          "invalid_value",
          path,
          text,
          "is not an IP address",
          `write an ${familyName} address (the family of network_subnet)`,
        ),
      );
      return undefined;
    }
    if (ip.family !== subnet.family) {
      errors.push(
        issue(
          "family_mismatch",
          path,
          text,
          `is IPv${ip.family} but network_subnet ${data.network_subnet} is ${familyName}`,
          `write an ${familyName} address; a class is single-family`,
        ),
      );
      return undefined;
    }
    return ip;
  };
  const usableHost = (path: string, text: string, value: bigint): void => {
    if (value < subnet.network || value > subnet.last) {
      errors.push(
        issue(
          "outside_subnet",
          path,
          text,
          `is outside network_subnet ${data.network_subnet}`,
          `write an address inside ${data.network_subnet}`,
        ),
      );
    } else if (value === subnet.network && subnet.prefix < BITS[subnet.family] - 1) {
      errors.push(
        issue("invalid_value", path, text, `is the network address of ${data.network_subnet}`, "write a host address"),
      );
    } else if (subnet.family === 4 && value === subnet.last && subnet.prefix < 31) {
      errors.push(
        issue(
          "invalid_value",
          path,
          text,
          `is the broadcast address of ${data.network_subnet}`,
          "write a host address",
        ),
      );
    }
  };

  if (data.network_ip !== undefined && data.network_base_ip !== undefined) {
    errors.push(
      issue(
        "conflict",
        "network_base_ip",
        data.network_base_ip,
        "is set together with network_ip",
        "set exactly one: network_ip for a single machine, network_base_ip + vmid_range for a set",
      ),
    );
  } else if (data.network_ip === undefined && data.network_base_ip === undefined) {
    errors.push(
      issue(
        "missing",
        "network_ip",
        undefined,
        "is required with network_subnet (or network_base_ip)",
        "set network_ip for a single machine, or network_base_ip + vmid_range for a set",
      ),
    );
  }

  if (data.network_ip !== undefined) {
    const ip = address("network_ip", data.network_ip);
    if (ip) usableHost("network_ip", data.network_ip, ip.value);
  }
  if (data.network_base_ip !== undefined) {
    const base = address("network_base_ip", data.network_base_ip);
    if (data.vmid_range === undefined) {
      errors.push(
        issue(
          "missing",
          "vmid_range",
          undefined,
          "is required by network_base_ip (addresses derive from VMIDs)",
          "set vmid_range, e.g. 5300-5350",
        ),
      );
    } else if (base && range) {
      usableHost("network_base_ip", data.network_base_ip, base.value);
      const lastValue = base.value + BigInt(range.end - range.start);
      if (lastValue > subnet.last || (subnet.family === 4 && lastValue === subnet.last && subnet.prefix < 31)) {
        errors.push(
          issue(
            "outside_subnet",
            "vmid_range",
            data.vmid_range,
            `needs ${range.end - range.start + 1} addresses from ${data.network_base_ip}, which run past ${data.network_subnet}`,
            "narrow vmid_range, lower network_base_ip, or widen network_subnet",
          ),
        );
      }
    }
  }
  if (data.network_gateway !== undefined) {
    const gw = address("network_gateway", data.network_gateway);
    if (gw) usableHost("network_gateway", data.network_gateway, gw.value);
  }
  data.network_nameservers?.forEach((ns, i) => {
    address(`network_nameservers[${i}]`, ns);
  });
  if (data.network_mtu !== undefined && subnet.family === 6 && data.network_mtu < 1280) {
    errors.push(
      issue(
        "too_small",
        "network_mtu",
        data.network_mtu,
        "is below the IPv6 minimum 1280",
        "set network_mtu to at least 1280 (IPv6) or leave it unset",
      ),
    );
  }
  return { errors, warnings };
}
