/**
 * `proxmox.privileges.<feature>`: the token's effective privileges (`GET /access/permissions`) against
 * what each provider feature needs on this cluster (requirementsFor), one finding per feature.
 */
import {
  type EffectivePermissions,
  type Feature,
  findPermissionGaps,
  type RequirementContext,
  requirementsFor,
} from "../../../provider/permissions/requirements.ts";
import type { ClusterSnapshot } from "../../../provider/placement/index.ts";
import { parseProviderData } from "../../../provider/providerdata/index.ts";
import { selectorMatches } from "../../plan/selectors.ts";
import type { DoctorContext } from "../context.ts";
import { needsOf } from "../needs.ts";
import { type Finding, fail, ok } from "../types.ts";
import { onlineNodes } from "./inventory.ts";

/** The storages the classes would actually use on online nodes, by role. */
function storagesInUse(ctx: DoctorContext, snapshot: ClusterSnapshot) {
  const online = new Set(onlineNodes(snapshot));
  const classes = ctx.classes.length ? ctx.classes : defaults();
  const used = { disk: new Set<string>(), iso: new Set<string>(), cidata: new Set<string>() };
  for (const c of classes) {
    for (const r of selectorMatches(c.name, c.data, snapshot)) {
      const bucket =
        r.key === "iso_storage_selector" ? used.iso : r.key === "cidata_storage_selector" ? used.cidata : used.disk;
      if (!ctx.classes.length && bucket === used.disk) continue;
      for (const n of r.nodes) if (online.has(n.node) && n.best) bucket.add(n.best);
    }
  }
  return { disk: [...used.disk].sort(), iso: [...used.iso].sort(), cidata: [...used.cidata].sort() };
}

function defaults() {
  const parsed = parseProviderData('memory: 2048\ndisk_size: 5\nstorage_selector: "true"\n');
  return parsed.ok ? [{ name: "default", origin: "provider defaults", data: parsed.data }] : [];
}

/** The requirement context of this cluster and these classes. */
export function requirementContext(ctx: DoctorContext, snapshot: ClusterSnapshot): RequirementContext {
  const needs = needsOf(ctx.classes);
  const storages = storagesInUse(ctx, snapshot);
  return {
    nodes: onlineNodes(snapshot),
    diskStorages: storages.disk,
    isoStorages: storages.iso,
    cidataStorages: storages.cidata,
    bridges: needs.bridges.map((b) => ({ bridge: b.bridge, ...(b.vlan !== undefined ? { vlan: b.vlan } : {}) })),
    pools: [...needs.pools],
    pciMappings: [...new Set(needs.pci.map((p) => p.mapping))],
    usbMappings: [...new Set(needs.usb.map((p) => p.mapping))],
    ha: needs.haUsers.length > 0,
  };
}

export async function checkPrivileges(ctx: DoctorContext, snapshot: ClusterSnapshot): Promise<Finding[]> {
  let effective: EffectivePermissions;
  try {
    effective = await ctx.pve.permissions();
  } catch (err) {
    return [
      fail(
        "proxmox.privileges",
        "cannot read the token's effective privileges",
        (err as Error).message,
        "GET /access/permissions is open to every authenticated user; check proxmox.auth",
      ),
    ];
  }
  const requirements = requirementsFor(requirementContext(ctx, snapshot));
  const gaps = findPermissionGaps(effective, requirements);
  const principal = ctx.target.proxmox.tokenID ?? `${ctx.target.proxmox.username ?? "user"}`;
  const features = [...new Set(requirements.map((r) => r.feature))] as Feature[];
  return features.map((feature) => {
    const id = `proxmox.privileges.${feature}`;
    const mine = requirements.filter((r) => r.feature === feature);
    const missing = gaps.filter((g) => g.requirement.feature === feature);
    if (missing.length === 0) {
      return ok(id, `${feature}: privileges present`, mine.map((r) => `${r.path}: ${r.allOf.join(", ")}`).join("\n"));
    }
    const lines = missing.map((g) => `${g.requirement.path}: missing ${g.missing.join(", ")} (${g.requirement.why})`);
    const grant = missing
      .map(
        (g) =>
          `pveum acl modify ${g.requirement.path} -${principal.includes("!") ? "token" : "user"} '${principal}' -role <a role with ${g.missing.join(",")}>`,
      )
      .join("; ");
    return fail(
      id,
      `${feature}: ${principal} lacks ${[...new Set(missing.flatMap((g) => g.missing))].join(", ")}`,
      lines.join("\n"),
      `grant them (a privilege-separated token needs the ACL itself, not only its user): ${grant}. ` +
        "`omni-proxmox doctor --print-role` prints a complete least-privilege role",
    );
  });
}
