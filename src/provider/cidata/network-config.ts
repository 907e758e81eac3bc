/**
 * NoCloud `network-config` for static addressing, in the version 1 format Talos's nocloud platform
 * reads: one `physical` entry per NIC matched by `mac_address` (Talos maps it to whatever the link is
 * called in the guest), `static` / `static6` subnets with CIDR addresses and an optional gateway, an
 * optional `mtu`, and one `nameserver` entry. It is the same shape the Go provider emits, so a machine
 * class with static networking behaves identically.
 */
import { isIP } from "node:net";
import { CidataError } from "./errors.ts";

export interface StaticInterface {
  /** The NIC's MAC as configured on the VM, e.g. `BC:24:11:0A:1B:2C` (any case). */
  readonly mac: string;
  /** CIDR addresses, IPv4 and/or IPv6, e.g. `10.0.20.31/24`, `2001:db8::31/64`. */
  readonly addresses: readonly string[];
  /** Default gateways, at most one per address family; each needs an address of its family. */
  readonly gateways?: readonly string[];
  /** Link MTU; at least 576 (IPv4 only) or 1280 (with IPv6), at most 65535. */
  readonly mtu?: number;
}

export interface StaticNetworking {
  readonly interfaces: readonly StaticInterface[];
  /** DNS servers (IPv4 or IPv6 addresses). */
  readonly nameservers?: readonly string[];
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * Renders a NoCloud network-config (version 1) document for static networking. Strings are written as
 * double-quoted scalars so no YAML reader can mistake a MAC or an address for a number.
 *
 * @example
 * nocloudNetworkConfig({
 *   interfaces: [{ mac: "BC:24:11:0A:1B:2C", addresses: ["10.0.20.31/24"], gateways: ["10.0.20.1"], mtu: 1450 }],
 *   nameservers: ["10.0.20.1"],
 * });
 */
export function nocloudNetworkConfig(networking: StaticNetworking): string {
  if (networking.interfaces.length === 0) {
    throw new CidataError(
      "invalid_network_config",
      "interfaces",
      "no interface given; static networking needs at least one NIC with an address",
    );
  }
  const lines = ["version: 1", "config:"];
  networking.interfaces.forEach((nic, index) => {
    lines.push(...physicalEntry(nic, `interfaces[${index}]`));
  });
  const nameservers = networking.nameservers ?? [];
  nameservers.forEach((server, index) => {
    if (isIP(server) === 0) {
      throw new CidataError(
        "invalid_network_config",
        `nameservers[${index}]`,
        `"${server}" is not an IP address; list DNS servers as plain IPv4 or IPv6 addresses`,
      );
    }
  });
  if (nameservers.length > 0) {
    lines.push("  - type: nameserver", "    address:", ...nameservers.map((server) => `      - ${q(server)}`));
  }
  return `${lines.join("\n")}\n`;
}

function physicalEntry(nic: StaticInterface, field: string): string[] {
  if (!MAC.test(nic.mac)) {
    throw new CidataError("invalid_network_config", `${field}.mac`, `"${nic.mac}" is not a MAC like BC:24:11:0A:1B:2C`);
  }
  if (nic.addresses.length === 0) {
    throw new CidataError(
      "invalid_network_config",
      `${field}.addresses`,
      "no address given; add a CIDR such as 10.0.0.5/24",
    );
  }
  const subnets = nic.addresses.map((address, index) => ({
    family: parseCidr(address, `${field}.addresses[${index}]`),
    address,
    gateway: undefined as string | undefined,
  }));
  (nic.gateways ?? []).forEach((gateway, index) => {
    const gatewayField = `${field}.gateways[${index}]`;
    const family = isIP(gateway);
    if (family === 0) {
      throw new CidataError("invalid_network_config", gatewayField, `"${gateway}" is not an IP address`);
    }
    const subnet = subnets.find((candidate) => candidate.family === family);
    if (subnet === undefined) {
      throw new CidataError(
        "invalid_network_config",
        gatewayField,
        `gateway "${gateway}" is IPv${family} but the interface has no IPv${family} address; add one or drop the gateway`,
      );
    }
    if (subnet.gateway !== undefined) {
      throw new CidataError(
        "invalid_network_config",
        gatewayField,
        `a second IPv${family} gateway "${gateway}"; give at most one default gateway per address family`,
      );
    }
    subnet.gateway = gateway;
  });
  if (nic.mtu !== undefined)
    validateMtu(
      nic.mtu,
      subnets.some((subnet) => subnet.family === 6),
      `${field}.mtu`,
    );

  const lines = ["  - type: physical", `    mac_address: ${q(nic.mac.toLowerCase())}`];
  if (nic.mtu !== undefined) lines.push(`    mtu: ${nic.mtu}`);
  lines.push("    subnets:");
  for (const subnet of subnets) {
    lines.push(`      - type: ${subnet.family === 6 ? "static6" : "static"}`, `        address: ${q(subnet.address)}`);
    if (subnet.gateway !== undefined) lines.push(`        gateway: ${q(subnet.gateway)}`);
  }
  return lines;
}

/** Returns the address family (4 or 6) of a CIDR, or throws naming the field. */
function parseCidr(cidr: string, field: string): 4 | 6 {
  const slash = cidr.indexOf("/");
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefixText = slash < 0 ? "" : cidr.slice(slash + 1);
  const family = isIP(address);
  const maxPrefix = family === 6 ? 128 : 32;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (family === 0 || !(prefix >= 0 && prefix <= maxPrefix)) {
    throw new CidataError(
      "invalid_network_config",
      field,
      `"${cidr}" is not an address in CIDR form; write it like 10.0.0.5/24 or 2001:db8::5/64`,
    );
  }
  return family === 6 ? 6 : 4;
}

function validateMtu(mtu: number, hasIpv6: boolean, field: string): void {
  const min = hasIpv6 ? 1280 : 576;
  if (!Number.isInteger(mtu) || mtu < min || mtu > 65535) {
    throw new CidataError(
      "invalid_network_config",
      field,
      `${mtu} is out of range; use an integer from ${min}${hasIpv6 ? " (IPv6 minimum)" : ""} to 65535`,
    );
  }
}

/** A JSON string literal is a valid YAML double-quoted scalar. */
function q(value: string): string {
  return JSON.stringify(value);
}
