/**
 * Runs every doctor check in dependency order: config → Omni (key, provider ID, reachability,
 * registration, clock, SideroLink URL, requests) → Proxmox (TLS, auth, nodes, privileges, storages,
 * ISO/cidata storage, bridges, mappings, HA). A check whose prerequisite failed is not run; the failed
 * prerequisite already says what to fix. Only reads.
 */
import { describeFailure } from "../failure.ts";
import { resolveTarget, type TargetFlags } from "../target.ts";
import { checkBridges, checkHa, checkMappings, checkNodes, checkStorages } from "./checks/inventory.ts";
import { checkOmniApi } from "./checks/omni-api.ts";
import { checkOmniKey } from "./checks/omni-key.ts";
import { checkPrivileges } from "./checks/privileges.ts";
import { checkProxmoxAuth } from "./checks/proxmox-auth.ts";
import { checkProxmoxTls } from "./checks/proxmox-tls.ts";
import { checkRequests } from "./checks/requests.ts";
import { checkSiderolink } from "./checks/siderolink.ts";
import { classesFromFiles } from "./classes.ts";
import { DoctorContext, type DoctorOptions } from "./context.ts";
import { openOmniSession } from "./omni-session.ts";
import { type DoctorReport, type Finding, fail, ok, summarize } from "./types.ts";

export interface RunDoctorOptions extends Omit<DoctorOptions, "target" | "classes"> {
  readonly flags: TargetFlags;
  readonly env: NodeJS.ProcessEnv;
  /** MachineClass files or directories to check the cluster against. */
  readonly classFiles: readonly string[];
}

/**
 * @example
 * const report = await runDoctor({ flags: { lab: ".lab" }, env: process.env, classFiles: ["examples/machine-classes"] });
 * process.exitCode = report.summary.fail > 0 ? 1 : 0;
 */
export async function runDoctor(options: RunDoctorOptions): Promise<DoctorReport> {
  const findings: Finding[] = [];
  let ctx: DoctorContext;
  try {
    const target = resolveTarget(options.flags, options.env, { omni: true });
    findings.push(
      ok(
        "config",
        `configuration parses (${target.source})`,
        `provider ID ${target.providerId}; Proxmox ${target.proxmox.url}; Omni ${target.omni?.endpoint ?? "-"}`,
      ),
    );
    const { classes, finding } = classesFromFiles(options.classFiles);
    if (finding) findings.push(finding);
    ctx = new DoctorContext({ ...options, target, classes });
  } catch (err) {
    const failure = describeFailure(err);
    findings.push(
      fail(
        "config",
        "configuration does not parse",
        failure.message,
        "fix the setting named above (same flags, env and config file as `omni-proxmox run`)",
      ),
    );
    return { source: "", findings, summary: summarize(findings) };
  }
  try {
    await omniChecks(ctx, findings);
    await proxmoxChecks(ctx, findings);
  } finally {
    await ctx.close();
  }
  return { source: ctx.target.source, findings, summary: summarize(findings) };
}

async function omniChecks(ctx: DoctorContext, findings: Finding[]): Promise<void> {
  const omni = ctx.target.omni;
  if (!omni) return;
  const keyed = await checkOmniKey(ctx);
  findings.push(...keyed.findings);
  if (!keyed.key) return;
  let session: Awaited<ReturnType<typeof openOmniSession>>;
  try {
    session = await openOmniSession(omni, ctx.now);
  } catch (err) {
    findings.push(
      fail(
        "omni.reachable",
        "cannot set up the Omni connection",
        describeFailure(err).message,
        "check --omni-api-endpoint and --omni-ca-file",
      ),
    );
    return;
  }
  try {
    const api = await checkOmniApi(ctx, session);
    findings.push(...api.findings);
    if (!api.reachable) return;
    findings.push(await checkSiderolink(ctx, session));
    const requests = await checkRequests(ctx, session);
    findings.push(...requests.findings);
    // Selectors in live requests are checked too, unless a class file of the same name was given.
    for (const c of requests.classes) if (!ctx.classes.some((k) => k.name === c.name)) ctx.classes.push(c);
  } finally {
    session.close();
  }
}

async function proxmoxChecks(ctx: DoctorContext, findings: Finding[]): Promise<void> {
  const tls = await checkProxmoxTls(ctx);
  findings.push(tls);
  if (tls.status === "fail") return;
  const auth = await checkProxmoxAuth(ctx);
  findings.push(auth);
  if (auth.status === "fail") return;
  let snapshot: Awaited<ReturnType<DoctorContext["snapshot"]>>;
  try {
    snapshot = await ctx.snapshot();
  } catch (err) {
    findings.push(
      fail(
        "proxmox.nodes",
        "cannot read /cluster/resources",
        describeFailure(err).message,
        "grant Sys.Audit on /nodes and VM.Audit on /vms",
      ),
    );
    return;
  }
  findings.push(checkNodes(snapshot));
  findings.push(...(await checkPrivileges(ctx, snapshot)));
  findings.push(...checkStorages(ctx.classes, snapshot));
  findings.push(await checkBridges(ctx, snapshot));
  findings.push(await checkMappings(ctx));
  findings.push(await checkHa(ctx));
}
