/**
 * Proxmox HA (PVE 9) for a VM whose class sets `ha`: the HA resource itself, the machine request set's
 * rules (node affinity from `ha.node_affinity_nodes`, resource affinity from `ha.resource_affinity`),
 * and membership in existing rules named by `ha.rules`. Rules we create are named after the provider
 * and the set, so every member joins the same rule. Existence is checked by listing, never by reading
 * error text ("already defined" has no error code of its own).
 */
import { createHash } from "node:crypto";
import type { HaRule, ProxmoxClient } from "../../proxmox/index.ts";
import type { HaConfig } from "../providerdata/index.ts";
import type { MachineStateSource } from "../state/index.ts";
import { ProvisionError } from "./errors.ts";

export type HaRuleKind = "nodes" | "spread";

/**
 * The id of a rule we own for a machine request set: `omni-<provider>-<set>-<kind>`, shortened with a
 * hash when it would exceed what Proxmox accepts.
 *
 * @example
 * haRuleId("matrix-cluster", "talos-prod-01-control-planes", "spread"); // "omni-matrix-cluster-talos-prod-01-control-planes-spread"
 */
export function haRuleId(providerId: string, setId: string, kind: HaRuleKind): string {
  const slug = haSlug(`${providerId}-${setId}`);
  const full = `omni-${slug}-${kind}`;
  if (full.length <= 60) return full;
  const hash = createHash("sha256").update(`${providerId}\0${setId}`).digest("hex").slice(0, 10);
  return `omni-${slug.slice(0, 40)}-${hash}-${kind}`;
}

function haSlug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** True when `rule` may be one this provider created with {@link haRuleId} (same provider prefix). */
export function isOwnHaRule(providerId: string, rule: string): boolean {
  return rule.startsWith(`omni-${haSlug(`${providerId}-`).slice(0, 40)}`);
}

export function haSid(vmid: number): string {
  return `vm:${vmid}`;
}

function splitResources(text: string | undefined): string[] {
  return (text ?? "").split(/[,\s]+/).filter((s) => s !== "");
}

export interface HaMember {
  readonly providerId: string;
  readonly requestId: string;
  readonly requestSetId: string;
  readonly vmid: number;
}

/**
 * Registers the VM with HA and in its set's rules. Safe to repeat: every part checks what exists.
 *
 * @example
 * await ensureHa(pve, states, { providerId, requestId, requestSetId, vmid: 1042 }, data.ha);
 */
export async function ensureHa(
  pve: ProxmoxClient,
  states: MachineStateSource,
  member: HaMember,
  ha: HaConfig,
): Promise<void> {
  const sid = haSid(member.vmid);
  const resources = await pve.listHaResources("vm");
  if (!resources.some((r) => r.sid === sid)) {
    await pve.addHaResource(sid, {
      state: ha.state ?? "started",
      ...(ha.comment !== undefined ? { comment: ha.comment } : {}),
      ...(ha.max_restart !== undefined ? { maxRestart: ha.max_restart } : {}),
      ...(ha.max_relocate !== undefined ? { maxRelocate: ha.max_relocate } : {}),
      ...(ha.failback !== undefined ? { failback: ha.failback } : {}),
    });
  }
  const rules = await pve.listHaRules();
  const group = member.requestSetId !== "" ? member.requestSetId : member.requestId;
  // Set members already under HA: their VMIDs from the states, confirmed by a fresh HA listing (a member
  // registering at this very moment shows up there even before its state says so). Two members racing
  // to create the same rule converge: the loser fails, retries, and then extends the existing rule.
  const members = new Set([sid]);
  if (member.requestSetId !== "") {
    const managed = new Set((await pve.listHaResources("vm")).map((r) => r.sid));
    for (const { state } of await states.list()) {
      if (state.requestSetId === member.requestSetId && state.vmid !== 0 && managed.has(haSid(state.vmid))) {
        members.add(haSid(state.vmid));
      }
    }
  }
  if (ha.node_affinity_nodes !== undefined) {
    await upsertRule(pve, rules, {
      rule: haRuleId(member.providerId, group, "nodes"),
      type: "node-affinity",
      members,
      nodes: ha.node_affinity_nodes.join(","),
      ...(ha.node_affinity_strict !== undefined ? { strict: ha.node_affinity_strict } : {}),
    });
  }
  if (ha.resource_affinity !== undefined) {
    await upsertRule(pve, rules, {
      rule: haRuleId(member.providerId, group, "spread"),
      type: "resource-affinity",
      members,
      affinity: ha.resource_affinity,
      // Proxmox needs two resources for a resource-affinity rule; the next member creates it.
      minimum: 2,
    });
  }
  for (const name of ha.rules ?? []) {
    const rule = rules.find((r) => r.rule === name);
    if (!rule) {
      throw new ProvisionError(
        "ha_failed",
        `ha.rules: HA rule "${name}" does not exist; create it in Datacenter → HA → Rules or remove it from the machine class`,
      );
    }
    const current = splitResources(rule.resources);
    if (!current.includes(sid))
      await pve.call("PUT", `/cluster/ha/rules/${encodeURIComponent(name)}`, {
        type: rule.type,
        resources: [...current, sid].join(","),
      });
  }
}

interface RuleWish {
  readonly rule: string;
  readonly type: HaRule["type"];
  readonly members: ReadonlySet<string>;
  readonly nodes?: string;
  readonly strict?: boolean;
  readonly affinity?: "positive" | "negative";
  readonly minimum?: number;
}

async function upsertRule(pve: ProxmoxClient, rules: readonly HaRule[], wish: RuleWish): Promise<void> {
  const existing = rules.find((r) => r.rule === wish.rule);
  const resources = [...new Set([...splitResources(existing?.resources), ...wish.members])].sort();
  if (!existing) {
    if (resources.length < (wish.minimum ?? 1)) return;
    await pve.addHaRule({
      rule: wish.rule,
      type: wish.type,
      resources: resources.join(","),
      ...(wish.nodes !== undefined ? { nodes: wish.nodes } : {}),
      ...(wish.strict !== undefined ? { strict: wish.strict } : {}),
      ...(wish.affinity !== undefined ? { affinity: wish.affinity } : {}),
      comment: "managed by omni-proxmox for a machine request set",
    });
    return;
  }
  if (resources.length === splitResources(existing.resources).length) return;
  await pve.call("PUT", `/cluster/ha/rules/${encodeURIComponent(wish.rule)}`, {
    type: wish.type,
    resources: resources.join(","),
  });
}

/**
 * Takes a VM out of every HA rule that names it and removes its HA resource. A rule of this provider
 * left without enough resources is deleted; anyone else's rule only loses the VM (deleted only when it
 * would be empty). Nothing there = nothing to do.
 */
export async function removeFromHa(pve: ProxmoxClient, vmid: number, providerId: string): Promise<void> {
  const sid = haSid(vmid);
  for (const rule of await pve.listHaRules()) {
    const current = splitResources(rule.resources);
    if (!current.includes(sid)) continue;
    const rest = current.filter((r) => r !== sid);
    const minimum = rule.type === "resource-affinity" ? 2 : 1;
    if (rest.length < minimum && isOwnHaRule(providerId, rule.rule)) await pve.removeHaRule(rule.rule);
    else if (rest.length === 0) await pve.removeHaRule(rule.rule);
    else
      await pve.call("PUT", `/cluster/ha/rules/${encodeURIComponent(rule.rule)}`, {
        type: rule.type,
        resources: rest.join(","),
      });
  }
  const resources = await pve.listHaResources("vm");
  if (resources.some((r) => r.sid === sid)) await pve.removeHaResource(sid);
}
