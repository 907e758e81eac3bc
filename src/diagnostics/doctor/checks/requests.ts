/**
 * `omni.requests`: this provider's MachineRequests and their statuses — FAILED ones with Omni's error
 * text, ones provisioning for too long, ones no provider has picked up (the seed's "cluster stuck in
 * SCALING_UP"). Also returns the providerdata in use so the Proxmox checks can test its selectors.
 */
import {
  eq,
  LABEL_INFRA_PROVIDER_ID,
  LABEL_MACHINE_REQUEST_SET,
  MachineRequestStatuses,
  MachineRequests,
} from "../../../omni/index.ts";
import { parseProviderData } from "../../../provider/providerdata/index.ts";
import type { ClassUnderCheck, DoctorContext } from "../context.ts";
import type { OmniSession } from "../omni-session.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

const STAGE_NAMES = ["UNKNOWN", "PROVISIONING", "PROVISIONED", "FAILED"] as const;

function stageName(stage: number): string {
  return STAGE_NAMES[stage] ?? String(stage);
}

function age(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

export async function checkRequests(
  ctx: DoctorContext,
  session: OmniSession,
): Promise<{ findings: Finding[]; classes: ClassUnderCheck[] }> {
  const providerId = session.key.providerId;
  const labels = [{ terms: [eq(LABEL_INFRA_PROVIDER_ID, providerId)] }];
  let requests: Awaited<ReturnType<typeof listRequests>>;
  let statuses: Awaited<ReturnType<typeof listStatuses>>;
  try {
    requests = await listRequests(session, labels);
    statuses = await listStatuses(session);
  } catch (err) {
    return {
      findings: [fail("omni.requests", "cannot list machine requests", (err as Error).message, "see omni.reachable")],
      classes: [],
    };
  }
  const statusById = new Map(statuses.map((s) => [s.metadata.id, s]));
  const now = ctx.now().getTime();
  const failed: string[] = [];
  const stuck: string[] = [];
  const counts = { provisioned: 0, provisioning: 0, waiting: 0 };
  const classes = new Map<string, ClassUnderCheck>();
  for (const request of requests) {
    const id = request.metadata.id;
    const spec = request.spec;
    const set = request.metadata.labels[LABEL_MACHINE_REQUEST_SET] ?? id;
    if (spec?.providerData && !classes.has(set)) {
      const parsed = parseProviderData(spec.providerData);
      if (parsed.ok) classes.set(set, { name: set, origin: `MachineRequest ${id}`, data: parsed.data });
    }
    const status = statusById.get(id)?.spec;
    const since = (statusById.get(id)?.metadata.updated ?? request.metadata.created)?.getTime() ?? now;
    if (status?.stage === 3) {
      failed.push(`${id}: ${status.error || status.status || "FAILED without an error text"}`);
    } else if (status?.stage === 2) {
      counts.provisioned++;
    } else if (!status) {
      counts.waiting++;
      if (now - since > ctx.stuckAfterMs)
        stuck.push(`${id}: no status for ${age(now - since)} (no provider picked it up)`);
    } else {
      counts.provisioning++;
      if (now - since > ctx.stuckAfterMs) {
        stuck.push(
          `${id}: ${stageName(status.stage)} for ${age(now - since)}: ${status.status || status.error || "no status text"}`,
        );
      }
    }
  }
  const summary = `${requests.length} request(s): ${counts.provisioned} provisioned, ${counts.provisioning} provisioning, ${counts.waiting} waiting, ${failed.length} failed`;
  const findings: Finding[] = [];
  if (failed.length > 0) {
    findings.push(
      fail(
        "omni.requests",
        `${failed.length} machine request(s) FAILED`,
        `${summary}\n${failed.join("\n")}`,
        "fix what the error names (the doctor's Proxmox findings usually show it), then scale the machine set down and up, or delete the MachineRequest so Omni recreates it",
      ),
    );
  } else if (stuck.length > 0) {
    findings.push(
      warn(
        "omni.requests",
        `${stuck.length} machine request(s) stuck`,
        `${summary}\n${stuck.join("\n")}`,
        `make sure \`omni-proxmox run --id ${providerId}\` is running and healthy (its logs name the step), and that the cluster's machine classes use providerid: ${providerId}`,
      ),
    );
  } else {
    findings.push(
      ok("omni.requests", requests.length ? "no machine request failed or stuck" : "no machine requests yet", summary),
    );
  }
  return { findings, classes: [...classes.values()] };
}

function listRequests(session: OmniSession, labels: { terms: ReturnType<typeof eq>[] }[]) {
  return session.state.list(MachineRequests, { labels });
}

function listStatuses(session: OmniSession) {
  return session.state.list(MachineRequestStatuses);
}
