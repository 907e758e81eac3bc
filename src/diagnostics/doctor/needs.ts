/**
 * What the machine classes under check ask of the cluster: bridges (with VLAN tags), pools, PCI/USB
 * mappings, HA. Without classes, the provider's defaults (vmbr0, untagged).
 */
import type { ClassUnderCheck } from "./context.ts";

export interface BridgeNeed {
  readonly bridge: string;
  /** undefined = untagged. */
  readonly vlan?: number;
  readonly usedBy: readonly string[];
}

export interface ClassNeeds {
  readonly bridges: readonly BridgeNeed[];
  readonly pools: readonly string[];
  readonly pci: readonly { readonly mapping: string; readonly usedBy: string }[];
  readonly usb: readonly { readonly mapping: string; readonly usedBy: string }[];
  readonly haUsers: readonly string[];
}

/**
 * @example
 * needsOf(classes).bridges; // [{ bridge: "vmbr0", usedBy: ["matrix-worker"] }]
 */
export function needsOf(classes: readonly ClassUnderCheck[]): ClassNeeds {
  const bridges = new Map<string, { bridge: string; vlan?: number; usedBy: string[] }>();
  const addBridge = (bridge: string, vlan: number, user: string) => {
    const key = `${bridge}/${vlan}`;
    const entry = bridges.get(key) ?? { bridge, ...(vlan > 0 ? { vlan } : {}), usedBy: [] };
    if (!entry.usedBy.includes(user)) entry.usedBy.push(user);
    bridges.set(key, entry);
  };
  if (classes.length === 0) addBridge("vmbr0", 0, "the provider's default");
  for (const c of classes) {
    addBridge(c.data.network_bridge, c.data.vlan, c.name);
    for (const nic of c.data.additional_nics) addBridge(nic.bridge, nic.vlan, c.name);
  }
  return {
    bridges: [...bridges.values()],
    pools: [...new Set(classes.flatMap((c) => (c.data.pool ? [c.data.pool] : [])))],
    pci: classes.flatMap((c) => c.data.pci_devices.map((d) => ({ mapping: d.mapping, usedBy: c.name }))),
    usb: classes.flatMap((c) => c.data.usb_devices.map((d) => ({ mapping: d.mapping, usedBy: c.name }))),
    haUsers: classes.filter((c) => c.data.ha !== undefined).map((c) => c.name),
  };
}
