/** Runs a plan against a live Proxmox (or the lab): one read of /cluster/resources, nothing written. */
import { ProxmoxClient } from "../../proxmox/index.ts";
import type { DiagnosticTarget } from "../target.ts";
import { planPlacement } from "./engine.ts";
import { readClusterSnapshot } from "./snapshot.ts";
import type { PlanMachineSet, PlanReport } from "./types.ts";

/**
 * @example
 * const report = await runPlan(resolveTarget({ lab: ".lab" }, process.env, { omni: false }), sets);
 */
export async function runPlan(target: DiagnosticTarget, sets: readonly PlanMachineSet[]): Promise<PlanReport> {
  const pve = new ProxmoxClient({ ...target.proxmox, retry: { attempts: 2, initialMs: 100, maxMs: 500 } });
  try {
    const snapshot = await readClusterSnapshot(pve);
    return planPlacement({ source: target.source, snapshot, sets, overcommit: target.overcommit });
  } finally {
    await pve.close();
  }
}
