/** The plan as text: machines and reasons, selector matches per node, fit and headroom. */
import { formatBytes } from "../../provider/selectors/index.ts";
import type { PlanReport } from "./types.ts";

/**
 * @example
 * for (const line of renderPlan(report)) console.log(line);
 */
export function renderPlan(report: PlanReport): string[] {
  const out: string[] = [];
  const oc = report.overcommit;
  out.push(`Plan against ${report.source} (overcommit: memory ×${oc.memory}, cpu ×${oc.cpu}, storage ×${oc.storage})`);
  out.push("");
  out.push("Nodes:");
  for (const n of report.nodes) {
    out.push(
      `  ${n.name.padEnd(12)} ${n.status.padEnd(8)} ${n.cpus} cpus, ${formatBytes(n.memoryBytes)}, +${n.planned} planned`,
    );
  }
  out.push("");
  if (report.existing.length > 0) {
    out.push("Already there (not placed again):");
    for (const e of report.existing) out.push(`  = ${e.requestId} on ${e.node} (VMID ${e.vmid})`);
    out.push("");
  }
  out.push(report.machines.length ? "Machines:" : "Machines: none to add.");
  for (const m of report.machines) {
    if (!m.ok) {
      out.push(`  ✗ ${m.name} (${m.className}): does not fit: ${m.message}`);
      continue;
    }
    const extra = m.storages.additional.length ? `, extra disks on ${m.storages.additional.join(", ")}` : "";
    out.push(
      `  ✓ ${m.name} (${m.className}) → ${m.node}: disk on ${m.storages.boot}${extra}, ISO on ${m.storages.iso}, cidata on ${m.storages.cidata}`,
    );
    out.push(`      why: ${m.reason}`);
    for (const e of m.nodes.filter((x) => !x.chosen)) out.push(`      not ${e.node}: ${e.reason}`);
  }
  out.push("");
  out.push("Storage selectors:");
  for (const s of report.selectors) {
    out.push(`  ${s.className} ${s.key}: ${s.expression}`);
    // Nodes with the same outcome (the usual case with shared storages) are printed once.
    const groups = new Map<string, { nodes: string[]; lines: string[] }>();
    for (const n of s.nodes) {
      const head = n.best ? `uses ${n.best}` : "NO MATCH";
      const lines = [
        `${head}${n.matched.length > 1 ? ` (matched ${n.matched.join(", ")})` : ""}`,
        ...n.verdicts.filter((x) => !x.chosen).map((v) => `  ${v.storage}: ${v.reason}`),
      ];
      const key = lines.join("\n");
      const group = groups.get(key) ?? { nodes: [], lines };
      group.nodes.push(n.node);
      groups.set(key, group);
    }
    for (const { nodes, lines } of groups.values()) {
      out.push(`    ${nodes.join(", ")}: ${lines[0]}`);
      for (const line of lines.slice(1)) out.push(`    ${line}`);
    }
  }
  out.push("");
  const failed = report.machines.filter((m) => !m.ok).length;
  out.push(
    report.fits
      ? `Fits: all ${report.machines.length} new machine(s) place under the overcommit limits.`
      : `Does not fit: ${failed} of ${report.machines.length} machine(s) have no node.`,
  );
  for (const h of report.headroom) {
    out.push(
      `  ${h.className}: ${h.capped ? `${h.more}+` : h.more} more would fit${h.capped ? "" : ` (then: ${h.limit})`}`,
    );
  }
  return out;
}
