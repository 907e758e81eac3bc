import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { runPlan, setsFromTemplate } from "../../diagnostics/plan/index.ts";
import { resolveTarget } from "../../diagnostics/target.ts";
import { parseLabFaults } from "../../lab/faults-spec.ts";
import { type Lab, startLab } from "../../lab/lab.ts";
import { loadSeedScenario, renderEventLine, renderLiveView, renderSummaryTable } from "../../lab/scenario/index.ts";
import { parseIntFlag, parseNumberFlag } from "../flags.ts";

interface LabFlags {
  exit?: boolean;
  json?: boolean;
  scenario: string;
  controlPlanes?: string;
  workers?: string;
  timeFactor: string;
  dataDir?: string;
  traceProxmox?: string;
  faults?: string;
  timeout: string;
}

/** `omni-proxmox lab` (what `npm start` runs): the whole system on loopback, the seed's cluster end to end. */
export function registerLabCommand(program: Command): void {
  program
    .command("lab")
    .description("run the embedded lab: simulated Proxmox cluster + simulated Omni, the provider against them")
    .option("--exit", "stop once the scenario settles; exit 0 only if every machine provisioned and registered")
    .option("--json", "print a JSON summary as the last stdout line")
    .option("--scenario <name>", "up (provision) or up-down (provision, then scale to zero)", "up")
    .option("--control-planes <n>", "control-plane machines (default: the template's 3)")
    .option("--workers <n>", "worker machines (default: the template's 2)")
    .option("--time-factor <f>", "scale simulated Proxmox task durations (1 = realistic)", "0.1")
    .option("--data-dir <dir>", "keep state, volumes (as real files) and credentials.json here")
    .option("--trace-proxmox <file>", "write every Proxmox API request received as JSON lines")
    .option(
      "--faults <spec>",
      "inject Proxmox faults, e.g. error-rate=0.05,latency=20ms,task-failure=0.2,offline=hotel",
    )
    .option("--timeout <seconds>", "give up waiting for the scenario to settle after this long", "300")
    .action(async (flags: LabFlags) => {
      process.exitCode = await runLab(flags);
    });
}

async function runLab(flags: LabFlags): Promise<number> {
  if (flags.scenario !== "up" && flags.scenario !== "up-down") {
    throw new Error(`--scenario: "${flags.scenario}" is not a scenario; use up or up-down`);
  }
  const started = Date.now();
  const timeoutMs = parseNumberFlag("--timeout", flags.timeout, 1) * 1000;
  const live = Boolean(process.stdout.isTTY) && !flags.json;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Every flag is parsed before anything starts, so a typo fails fast with no half-started lab.
  const options = {
    timeFactor: parseNumberFlag("--time-factor", flags.timeFactor),
    ...(flags.controlPlanes !== undefined
      ? { controlPlanes: parseIntFlag("--control-planes", flags.controlPlanes, 1) }
      : {}),
    ...(flags.workers !== undefined ? { workers: parseIntFlag("--workers", flags.workers) } : {}),
    ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
    ...(flags.traceProxmox !== undefined ? { traceProxmox: flags.traceProxmox } : {}),
    ...(flags.faults !== undefined ? { faults: parseLabFaults(flags.faults) } : {}),
  };
  if (!live) say("omni-proxmox lab: starting simulated Proxmox (matrix: foxtrot, golf, hotel) and Omni…");

  const lab = await startLab(options);
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const providerExited = watchProvider(lab, interrupted);

  const notes: string[] = [];
  const preflight = capacityWarning(lab, options).then((warning) => {
    if (warning === undefined) return;
    notes.push(warning);
    if (!live) say(warning);
  });
  const view = live ? startLiveView(lab, notes) : lab.scenario.progress.onEvent((e) => say(renderEventLine(e)));
  let settled = true;
  try {
    await lab.scenario.waitUntil((p) => p.settledUp(), { timeoutMs, signal: interrupted.signal });
    if (flags.scenario === "up-down") {
      lab.scenario.tearDown();
      await lab.scenario.waitUntil((p) => p.settledDown(), { timeoutMs, signal: interrupted.signal });
      await waitForNoLeftovers(lab, Math.min(timeoutMs, 30_000), interrupted.signal);
    }
  } catch (error) {
    settled = false;
    say(`omni-proxmox lab: ${(error as Error).message}`);
    if (providerExited.exited) say(`the provider exited; its log: ${lab.providerLog}\n${tail(lab.providerLog, 15)}`);
  } finally {
    await preflight;
    view();
  }

  const summary = lab.scenario.progress.summary();
  const leftovers = lab.leftovers();
  // Counted now: the trace lives in the data dir, which a temporary lab removes on stop.
  const proxmoxRequests = lab.proxmoxRequests();
  const upDown = flags.scenario === "up-down";
  const ok =
    settled &&
    summary.failed.length === 0 &&
    summary.provisioned === summary.requested &&
    summary.registered === summary.requested &&
    (!upDown ||
      (summary.deprovisioned === summary.requested && leftovers.vms.length === 0 && leftovers.volumes.length === 0));

  say("");
  say(renderSummaryTable(lab.scenario.progress.machines()));
  say("");
  say(
    `${summary.requested} requested, ${summary.provisioned} provisioned, ${summary.registered} registered` +
      (upDown
        ? `, ${summary.deprovisioned} deprovisioned, leftovers: ${leftovers.vms.length} VMs / ${leftovers.volumes.length} volumes`
        : "") +
      ` — ${proxmoxRequests} Proxmox API requests in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  if (!flags.exit && !interrupted.signal.aborted) {
    say("");
    say(endpointsText(lab));
    say("Serving until Ctrl-C.");
    await new Promise<void>((resolve) => interrupted.signal.addEventListener("abort", () => resolve(), { once: true }));
  }
  await lab.stop();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (flags.json) {
    say(
      JSON.stringify({
        ...summary,
        proxmoxRequests,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        leftovers: { vms: leftovers.vms.length, volumes: leftovers.volumes.length },
        ok,
      }),
    );
  }
  return ok ? 0 : 1;
}

/**
 * Plans the lab's template against the simulated cluster as `omni-proxmox plan` would, so a count the
 * cluster cannot hold (a large `--workers`) is named up front instead of surfacing only at `--timeout`.
 * Advisory: a failed read (e.g. under `--faults`) just means no warning.
 */
async function capacityWarning(
  lab: Lab,
  counts: { controlPlanes?: number; workers?: number },
): Promise<string | undefined> {
  try {
    const seed = loadSeedScenario(counts);
    const target = resolveTarget({ lab: lab.credentials.dataDir }, {}, { omni: false });
    const report = await runPlan(target, setsFromTemplate(seed.template, seed.classes));
    const unplaced = report.machines.filter((m) => !m.ok);
    const first = unplaced[0];
    if (report.fits || first === undefined) return undefined;
    const total = report.machines.length + report.existing.length;
    return (
      `omni-proxmox lab: warning: the simulated cluster cannot hold all ${total} machines; ` +
      `${unplaced.length} will wait in step "place" until --timeout (${first.message}). ` +
      "Ask for fewer with --workers / --control-planes (`omni-proxmox plan` shows the headroom)."
    );
  } catch {
    return undefined;
  }
}

/** Redraws the live view in place on a terminal; returns a stop function. */
function startLiveView(lab: Lab, notes: readonly string[]): () => void {
  const draw = () => {
    const text = renderLiveView(lab.scenario.progress.machines(), lab.scenario.progress.events(), {
      title: "omni-proxmox lab",
      elapsedMs: lab.scenario.progress.elapsedMs(),
      width: process.stdout.columns ?? 120,
    });
    const extra = notes.length > 0 ? `\n\n${notes.join("\n")}` : "";
    process.stdout.write(`\x1b[H\x1b[2J${text}${extra}\n`);
  };
  draw();
  const timer = setInterval(draw, 250);
  return () => {
    clearInterval(timer);
    draw();
  };
}

function watchProvider(lab: Lab, interrupted: AbortController): { exited: boolean } {
  const state = { exited: false };
  lab.provider.once("exit", () => {
    state.exited = true;
    if (!interrupted.signal.aborted) interrupted.abort();
  });
  return state;
}

/** Deprovisioned requests can still have volumes in flight (cidata delete): give them a moment. */
async function waitForNoLeftovers(lab: Lab, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const left = lab.leftovers();
    if (left.vms.length === 0 && left.volumes.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function endpointsText(lab: Lab): string {
  const c = lab.credentials;
  return [
    "Lab endpoints (also in " + lab.credentialsFile + "):",
    `  Proxmox API   ${c.proxmox.url}   token ${c.proxmox.tokenID}   CA ${c.proxmox.caFile}`,
    `  Omni API      ${c.omni.endpoint}   provider ID ${c.providerId}`,
    `  provider log  ${lab.providerLog}`,
    "Try, in another terminal:",
    `  npx omni-proxmox doctor --lab ${c.dataDir}`,
    `  npx omni-proxmox plan --lab ${c.dataDir} examples/clusters/talos-prod-01.yaml examples/machine-classes/*.yaml`,
  ].join("\n");
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
