/**
 * Cluster inventory checks: `proxmox.nodes` (online), `proxmox.storage.<class>.<key>` (each storage
 * selector per node), `proxmox.iso-storage` / `proxmox.cidata-storage` (where the Talos ISO and the
 * NoCloud image go on each node), `proxmox.bridges` (bridges and VLAN awareness per node),
 * `proxmox.mappings` (PCI/USB mappings referenced) and `proxmox.ha`.
 */
import type { ClusterSnapshot } from "../../../provider/placement/index.ts";
import { parseProviderData } from "../../../provider/providerdata/index.ts";
import { selectorMatches } from "../../plan/selectors.ts";
import type { SelectorReport } from "../../plan/types.ts";
import type { ClassUnderCheck, DoctorContext } from "../context.ts";
import { needsOf } from "../needs.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

export function onlineNodes(snapshot: ClusterSnapshot): string[] {
  return snapshot.nodes
    .filter((n) => n.status === "online")
    .map((n) => n.name)
    .sort();
}

export function checkNodes(snapshot: ClusterSnapshot): Finding {
  const id = "proxmox.nodes";
  const all = snapshot.nodes.map((n) => `${n.name} (${n.status})`).join(", ");
  const offline = snapshot.nodes.filter((n) => n.status !== "online").map((n) => n.name);
  if (snapshot.nodes.length === 0) {
    return fail(
      id,
      "the token sees no nodes",
      "/cluster/resources lists no node",
      "grant Sys.Audit on /nodes (see proxmox.privileges.inventory)",
    );
  }
  if (offline.length === snapshot.nodes.length) {
    return fail(id, "no node is online", all, "bring a node back; nothing can be placed");
  }
  if (offline.length > 0) {
    return warn(
      id,
      `${offline.length} node(s) not online: ${offline.join(", ")}`,
      `${all}; VMs will not be placed there, and VMs already there cannot be managed until it returns`,
      `bring ${offline.join(", ")} back online (check corosync: \`pvecm status\`), or pin classes away from it with node_selector`,
    );
  }
  return ok(id, `${snapshot.nodes.length} node(s) online`, all);
}

/** Selector reports restricted to online nodes (offline nodes' storages are not available anyway). */
function reportsFor(classes: readonly ClassUnderCheck[], snapshot: ClusterSnapshot): SelectorReport[] {
  const online = new Set(onlineNodes(snapshot));
  return classes.flatMap((c) =>
    selectorMatches(c.name, c.data, snapshot).map((r) => ({ ...r, nodes: r.nodes.filter((n) => online.has(n.node)) })),
  );
}

function describeNodes(report: SelectorReport): string {
  return report.nodes
    .map((n) => {
      if (n.best) return `${n.node}: ${n.matched.join(", ")} (uses ${n.best})`;
      const why = n.verdicts.map((v) => `${v.storage}: ${v.reason}`).join("; ") || "no storages";
      return `${n.node}: none (${why})`;
    })
    .join("\n");
}

function selectorFinding(id: string, what: string, report: SelectorReport, fix: string): Finding {
  const missing = report.nodes.filter((n) => !n.best).map((n) => n.node);
  const detail = `${report.expression}\n${describeNodes(report)}`;
  if (report.nodes.length > 0 && missing.length === report.nodes.length) {
    return fail(id, `${what}: no storage matches on any online node`, detail, fix);
  }
  if (missing.length > 0) {
    return warn(
      id,
      `${what}: no storage matches on ${missing.join(", ")}`,
      `${detail}\nVMs cannot be placed on ${missing.join(", ")}`,
      fix,
    );
  }
  return ok(id, `${what}: matches on every online node`, detail);
}

export function checkStorages(classes: readonly ClassUnderCheck[], snapshot: ClusterSnapshot): Finding[] {
  const out: Finding[] = [];
  const reports = reportsFor(classes, snapshot);
  const storageFix =
    'compare the selector with the storages listed (name, storageType, "images" in storage.content); e.g. name == "vm_ssd" or storageType == "rbd"; see docs/cel-storage-selectors.md';
  for (const r of reports.filter((x) => x.content === "images")) {
    out.push(selectorFinding(`proxmox.storage.${r.className}.${r.key}`, `${r.className} ${r.key}`, r, storageFix));
  }
  if (classes.length === 0) {
    out.push(
      warn(
        "proxmox.storage",
        "no machine classes to check storage selectors against",
        "pass MachineClass files (omni-proxmox doctor … machine-classes/), or run when Omni has machine requests for this provider",
        "add the class files to the command line",
      ),
    );
  }
  // ISO and cidata: the defaults when no class sets them, else each class's selector.
  const defaults: ClassUnderCheck[] = classes.length ? [...classes] : defaultClass();
  for (const [key, id, what] of [
    ["iso_storage_selector", "proxmox.iso-storage", "Talos ISO storage"],
    ["cidata_storage_selector", "proxmox.cidata-storage", "NoCloud cidata storage"],
  ] as const) {
    const rs = reportsFor(defaults, snapshot).filter((r) => r.key === key);
    const fix = `give each node a storage with content "iso" (e.g. local: Datacenter → Storage → local → Content: ISO image), or set ${key}`;
    const each = rs.map((r) => selectorFinding(id, `${what}${classes.length ? ` (${r.className})` : ""}`, r, fix));
    const bad = each.find((f) => f.status === "fail") ?? each.find((f) => f.status === "warn");
    const uses = [...new Set(rs.flatMap((r) => r.nodes.map((n) => n.best ?? "")))].filter(Boolean).join(", ");
    out.push(
      bad ?? ok(id, `${what}: ${uses || "a storage"} on every online node`, each.map((f) => f.detail).join("\n")),
    );
  }
  return out;
}

export async function checkBridges(ctx: DoctorContext, snapshot: ClusterSnapshot): Promise<Finding> {
  const id = "proxmox.bridges";
  const needs = needsOf(ctx.classes).bridges;
  const problems: string[] = [];
  const seen: string[] = [];
  for (const node of onlineNodes(snapshot)) {
    let bridges: Awaited<ReturnType<DoctorContext["bridges"]>>;
    try {
      bridges = await ctx.bridges(node);
    } catch (err) {
      problems.push(`${node}: cannot list network (${(err as Error).message})`);
      continue;
    }
    seen.push(
      `${node}: ${bridges.map((b) => `${b.iface}${b.vlanAware ? " (VLAN aware)" : ""}`).join(", ") || "no bridges"}`,
    );
    for (const need of needs) {
      const bridge = bridges.find((b) => b.iface === need.bridge);
      const users = need.usedBy.join(", ");
      if (!bridge) problems.push(`${node} has no bridge ${need.bridge} (used by ${users})`);
      else if (need.vlan !== undefined && !bridge.vlanAware) {
        problems.push(`${node}: ${need.bridge} is not VLAN aware, but ${users} tag VLAN ${need.vlan}`);
      }
    }
  }
  const wanted = needs.map((n) => `${n.bridge}${n.vlan !== undefined ? ` VLAN ${n.vlan}` : ""}`).join(", ");
  if (problems.length > 0) {
    return fail(
      id,
      `bridges missing or not VLAN aware on ${new Set(problems.map((p) => p.split(/[ :]/)[0])).size} node(s)`,
      `${problems.join("\n")}\nseen: ${seen.join("; ")}`,
      `create the bridge on every node (Node → System → Network → Create → Linux Bridge, same name everywhere), tick "VLAN aware" where VLAN tags are used, or change network_bridge in the class (needed: ${wanted})`,
    );
  }
  return ok(id, `bridges present on every online node (${wanted})`, seen.join("\n"));
}

export async function checkMappings(ctx: DoctorContext): Promise<Finding> {
  const id = "proxmox.mappings";
  const needs = needsOf(ctx.classes);
  if (needs.pci.length === 0 && needs.usb.length === 0) return ok(id, "no PCI/USB mappings referenced");
  const problems: string[] = [];
  const seen: string[] = [];
  for (const [kind, wanted, list] of [
    ["PCI", needs.pci, () => ctx.pciMappings()],
    ["USB", needs.usb, () => ctx.usbMappings()],
  ] as const) {
    if (wanted.length === 0) continue;
    let mappings: Awaited<ReturnType<typeof list>>;
    try {
      mappings = await list();
    } catch (err) {
      problems.push(`cannot list ${kind} mappings: ${(err as Error).message}`);
      continue;
    }
    for (const w of wanted) {
      const m = mappings.find((x) => x.id === w.mapping);
      if (!m) {
        problems.push(
          `${kind} mapping "${w.mapping}" (used by ${w.usedBy}) does not exist or is not visible (needs Mapping.Audit/Mapping.Use)`,
        );
        continue;
      }
      const nodes = m.map.map((entry) => /(?:^|,)node=([^,]+)/.exec(entry)?.[1] ?? "?");
      seen.push(`${kind} ${m.id}: on ${nodes.join(", ") || "no node"}`);
    }
  }
  if (problems.length) {
    return fail(
      id,
      "referenced resource mappings are missing",
      [...problems, ...seen].join("\n"),
      "create them under Datacenter → Resource Mappings with the names the classes use, and grant Mapping.Use on /mapping/pci/<name>",
    );
  }
  return ok(
    id,
    "referenced resource mappings exist",
    `${seen.join("\n")}\nVMs using them can only be placed on those nodes`,
  );
}

export async function checkHa(ctx: DoctorContext): Promise<Finding> {
  const id = "proxmox.ha";
  const users = needsOf(ctx.classes).haUsers;
  if (users.length === 0) return ok(id, "HA not used by the classes checked");
  try {
    const resources = await ctx.pve.listHaResources();
    return ok(id, `HA manager available (${resources.length} resource(s))`, `used by ${users.join(", ")}`);
  } catch (err) {
    return fail(
      id,
      "HA is not available to the provider",
      `${users.join(", ")} set ha:, but listing HA resources failed: ${(err as Error).message}`,
      "HA needs a quorate cluster and Sys.Console + Sys.Audit on / (see proxmox.privileges.ha); or remove ha: from the class",
    );
  }
}

/** The provider's defaults (ISO and cidata on the most free ISO storage) as a class to check. */
function defaultClass(): ClassUnderCheck[] {
  const parsed = parseProviderData('memory: 2048\ndisk_size: 5\nstorage_selector: "true"\n');
  return parsed.ok ? [{ name: "default", origin: "provider defaults", data: parsed.data }] : [];
}
