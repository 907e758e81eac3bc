/**
 * `omni.siderolink`: the SideroLink API URL booting VMs will dial (Omni's SiderolinkAPIConfig), and what
 * its host resolves to from here. A Tailscale/CGNAT address (100.64.0.0/10) is the seed's split-horizon
 * trap: VMs boot with the Proxmox hosts' DNS and are not on the tailnet.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { SIDEROLINK_CONFIG_ID, SiderolinkAPIConfigs } from "../../../omni/index.ts";
import type { DoctorContext } from "../context.ts";
import type { OmniSession } from "../omni-session.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

export type AddressClass = "cgnat" | "loopback" | "link-local" | "unspecified" | "private" | "public";

/**
 * @example
 * classifyAddress("100.101.102.103"); // "cgnat" (Tailscale)
 */
export function classifyAddress(address: string): AddressClass {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    if (a === "::1") return "loopback";
    if (a === "::") return "unspecified";
    if (a.startsWith("fe80:")) return "link-local";
    if (a.startsWith("fd7a:115c:a1e0:")) return "cgnat"; // Tailscale's IPv6 range
    if (/^f[cd]/.test(a)) return "private";
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped?.[1] ? classifyAddress(mapped[1]) : "public";
  }
  const [a = 0, b = 0] = address.split(".").map(Number);
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b <= 127) return "cgnat";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  return "public";
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

const SPLIT_HORIZON_FIX =
  "make this name resolve to an address the VMs can route to from the Proxmox network: add a local DNS record " +
  "on the resolver the Proxmox hosts use (split-horizon DNS, e.g. omni.example.com → Omni's LAN IP), with a route " +
  "from the VM subnet to it; or advertise a LAN-reachable URL in Omni (--machine-api-advertised-url)";

export async function checkSiderolink(ctx: DoctorContext, session: OmniSession): Promise<Finding> {
  const id = "omni.siderolink";
  let url: string;
  try {
    url = (await session.state.get(SiderolinkAPIConfigs, SIDEROLINK_CONFIG_ID)).spec.machineApiAdvertisedUrl;
  } catch (err) {
    return fail(id, "cannot read Omni's SideroLink API URL", (err as Error).message, "see omni.reachable");
  }
  const host = hostOf(url);
  if (!host)
    return fail(
      id,
      "Omni advertises no usable SideroLink API URL",
      `"${url}"`,
      "set Omni's --machine-api-advertised-url",
    );
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await (ctx.lookup ?? defaultLookup)(host);
  } catch (err) {
    return fail(
      id,
      `the SideroLink host ${host} does not resolve`,
      `VMs will dial ${url}; resolving ${host} failed here (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}), and VMs use the Proxmox hosts' DNS`,
      SPLIT_HORIZON_FIX,
    );
  }
  const classes = addresses.map((a) => `${a} (${classifyAddress(a)})`).join(", ");
  const detail = `VMs will dial ${url}; ${host} resolves here to ${classes}`;
  const kinds = new Set(addresses.map(classifyAddress));
  if (kinds.has("cgnat")) {
    return warn(
      id,
      `the SideroLink host ${host} resolves to a Tailscale/CGNAT address`,
      `${detail}. Booting VMs are not on the tailnet, so they cannot reach it (the split-horizon DNS trap)`,
      SPLIT_HORIZON_FIX,
    );
  }
  if (kinds.has("loopback") || kinds.has("link-local") || kinds.has("unspecified")) {
    if (ctx.target.source.startsWith("lab ") && kinds.has("loopback")) {
      return ok(
        id,
        "SideroLink API URL is the lab's loopback address",
        `${detail}; the lab's simulated VMs share this host`,
      );
    }
    return fail(
      id,
      `the SideroLink host ${host} resolves to an address VMs cannot reach`,
      detail,
      "advertise Omni's LAN-reachable name or IP (--machine-api-advertised-url) and make it resolve to that address for the VMs",
    );
  }
  return ok(id, "SideroLink API URL resolves to a routable address", detail);
}

async function defaultLookup(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}
