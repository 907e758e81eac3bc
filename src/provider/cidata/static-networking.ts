/**
 * providerdata static networking (`network_subnet`, `network_ip` / `network_base_ip` + `vmid_range`,
 * `network_gateway`, `network_nameservers`, `network_mtu`) → the {@link StaticNetworking} of one VM, with
 * the Go provider's meaning: `network_ip` is the address; otherwise the VM whose VMID is the start of
 * `vmid_range` gets `network_base_ip` and every other VM is offset by its VMID distance from that start.
 * The providerdata module validated the keys up front; this only resolves them for a concrete VMID.
 */
import { type Cidr, parseCidr, parseIp, parseVmidRange } from "../providerdata/network.ts";
import { CidataError } from "./errors.ts";
import type { StaticNetworking } from "./network-config.ts";

export interface StaticNetworkingData {
  readonly network_subnet?: string;
  readonly network_gateway?: string;
  readonly network_ip?: string;
  readonly network_base_ip?: string;
  readonly network_nameservers?: readonly string[];
  readonly network_mtu?: number;
  readonly vmid_range?: string;
}

/**
 * The static networking of one VM, or `undefined` when the class uses DHCP (no `network_subnet`).
 *
 * @example
 * staticNetworkingFor(
 *   { network_subnet: "192.168.26.0/24", network_base_ip: "192.168.26.50", vmid_range: "5300-5350" },
 *   { vmid: 5302, mac: "BA:78:16:BF:8F:01" },
 * ); // → interfaces[0].addresses = ["192.168.26.52/24"]
 */
export function staticNetworkingFor(
  data: StaticNetworkingData,
  vm: { readonly vmid: number; readonly mac: string },
): StaticNetworking | undefined {
  if (data.network_subnet === undefined) return undefined;
  const subnet = parseCidr(data.network_subnet);
  if (subnet === undefined) {
    throw new CidataError("invalid_network_config", "network_subnet", `"${data.network_subnet}" is not a CIDR`);
  }
  const address = hostAddress(data, subnet, vm.vmid);
  const networking: StaticNetworking = {
    interfaces: [
      {
        mac: vm.mac,
        addresses: [`${address}/${subnet.prefix}`],
        gateways: data.network_gateway === undefined ? [] : [data.network_gateway],
        ...(data.network_mtu === undefined ? {} : { mtu: data.network_mtu }),
      },
    ],
    nameservers: [...(data.network_nameservers ?? [])],
  };
  return networking;
}

function hostAddress(data: StaticNetworkingData, subnet: Cidr, vmid: number): string {
  if (data.network_ip !== undefined) return data.network_ip;
  if (data.network_base_ip === undefined) {
    throw new CidataError(
      "invalid_network_config",
      "network_ip",
      "static networking needs network_ip or network_base_ip",
    );
  }
  const base = parseIp(data.network_base_ip);
  const range = data.vmid_range === undefined ? undefined : parseVmidRange(data.vmid_range);
  if (base === undefined || base.family !== subnet.family) {
    throw new CidataError(
      "invalid_network_config",
      "network_base_ip",
      `"${data.network_base_ip}" is not an IPv${subnet.family} address`,
    );
  }
  if (range === undefined || vmid < range.start || vmid > range.end) {
    throw new CidataError(
      "invalid_network_config",
      "vmid_range",
      `VMID ${vmid} is outside vmid_range "${data.vmid_range ?? ""}"; network_base_ip addresses derive from it`,
    );
  }
  const value = base.value + BigInt(vmid - range.start);
  if (value > subnet.last) {
    throw new CidataError(
      "invalid_network_config",
      "network_base_ip",
      `VMID ${vmid} maps past the end of ${data.network_subnet}; narrow vmid_range or widen network_subnet`,
    );
  }
  return subnet.family === 4 ? formatIpv4(value) : formatIpv6(value);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
