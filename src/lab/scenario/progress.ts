/**
 * The lab's progress model: one row per machine request, fed by the scenario controller (requests and
 * their MachineRequestStatus), the Proxmox model (where each VM landed) and the boot watcher
 * (registration). Rendering is pure: model → strings for a TTY live view, event lines, a summary table
 * and the `--json` summary fields.
 */

import type { BootOutcome } from "../boot/boot-watcher.ts";
import { cdromDrives, smbiosUuid } from "../boot/vm-media.ts";
import type { ScenarioEvent } from "./omni-controllers.ts";
import type { RequestStage } from "./specs.ts";

/** A request's lifecycle as the lab shows it: Omni's stages plus the request's own phase. */
export type MachineStage = "REQUESTED" | RequestStage | "TEARING_DOWN" | "DEPROVISIONED";

export interface MachineProgress {
  request: string;
  set: string;
  stage: MachineStage;
  /** MachineRequestStatus text (`Running Step: "create" (4/6)`, `Provision Complete`). */
  status: string;
  error: string;
  node?: string;
  vmid?: number;
  /** Storage of the VM's disks (`vm_ssd`; several joined with `+`). */
  storage?: string;
  uuid?: string;
  registered: boolean;
  /** Why the booted VM did not register, when it did not. */
  bootProblem?: string;
  /** Whether the request ever reached PROVISIONED (stays true through teardown). */
  provisioned: boolean;
}

export interface ProgressEvent {
  /** Milliseconds since the model started. */
  at: number;
  request: string;
  text: string;
}

/** A VM as the Proxmox simulator's snapshot reports it. */
export interface VmView {
  vmid: number;
  node: string;
  status: string;
  config: Record<string, string | number>;
}

/** The `--json` summary fields this model knows (the CLI adds proxmoxRequests, seconds, leftovers). */
export interface ProgressSummary {
  requested: number;
  provisioned: number;
  registered: number;
  deprovisioned: number;
  failed: { request: string; error: string }[];
  machines: {
    request: string;
    node: string | null;
    vmid: number | null;
    uuid: string | null;
    stage: MachineStage;
    storage: string | null;
  }[];
}

const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$/;

/**
 * Accumulates what happened to every machine request and emits one human line per change.
 *
 * @example
 * const progress = new ProgressModel();
 * progress.onEvent((e) => process.stdout.write(`${renderEventLine(e)}\n`));
 * controller.onEvent((e) => progress.applyScenarioEvent(e));
 * bootWatcher = new BootWatcher({ …, onBoot: (o) => progress.applyBoot(o) });
 * setInterval(() => progress.applyVms(pve.admin.snapshot().vms), 200);
 */
export class ProgressModel {
  readonly #rows = new Map<string, MachineProgress>();
  readonly #events: ProgressEvent[] = [];
  readonly #listeners = new Set<(event: ProgressEvent) => void>();
  readonly #now: () => number;
  readonly #started: number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#started = this.#now();
  }

  onEvent(listener: (event: ProgressEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Rows in request-set then request order. */
  machines(): MachineProgress[] {
    return [...this.#rows.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => compare(a.set, b.set) || compare(a.request, b.request));
  }

  /** Every event so far (the live view shows the last few). */
  events(): ProgressEvent[] {
    return [...this.#events];
  }

  elapsedMs(): number {
    return this.#now() - this.#started;
  }

  applyScenarioEvent(event: ScenarioEvent): void {
    const row = this.#row(event.request, event.set);
    switch (event.type) {
      case "request-created":
        this.#emit(row, `requested (${event.set})`);
        break;
      case "request-tearing-down":
        row.stage = "TEARING_DOWN";
        this.#emit(row, "tearing down (scale-down)");
        break;
      case "request-destroyed":
        row.stage = "DEPROVISIONED";
        this.#emit(row, "deprovisioned: request removed");
        break;
      case "status-removed":
        break;
      case "status": {
        const { stage, status, error, id } = event.status;
        const tearingDown = row.stage === "TEARING_DOWN" || row.stage === "DEPROVISIONED";
        const changed = (!tearingDown && stage !== row.stage) || status !== row.status || error !== row.error;
        if (!tearingDown) row.stage = stage;
        row.status = status;
        row.error = error;
        if (stage === "PROVISIONED") row.provisioned = true;
        if (id) row.uuid = id;
        if (changed) this.#emit(row, describeStatus(stage, status, error));
        break;
      }
      case "registered":
        if (!row.registered) {
          row.registered = true;
          row.uuid = event.uuid;
          delete row.bootProblem;
          this.#emit(row, `registered with Omni as machine ${event.uuid}`);
        }
        break;
    }
  }

  /** Matches VMs to requests (SMBIOS UUID, else the request ID in name, tags or description). */
  applyVms(vms: readonly VmView[]): void {
    for (const vm of vms) {
      const row = this.#rowForVm(vm);
      if (!row) continue;
      const storage = diskStorages(vm.config);
      const placed = row.vmid === undefined;
      row.vmid = vm.vmid;
      row.uuid ??= smbiosUuid(vm.config);
      if (row.node !== vm.node) {
        const moved = row.node !== undefined;
        row.node = vm.node;
        if (moved) this.#emit(row, `VM ${vm.vmid} now on ${vm.node}`);
      }
      if (storage) row.storage = storage;
      if (placed) this.#emit(row, `VM ${vm.vmid} created on ${vm.node}${storage ? ` (disk on ${storage})` : ""}`);
    }
  }

  /** Registration (or the reason there was none) from the boot watcher. */
  applyBoot(outcome: BootOutcome): void {
    // UUID first: VMIDs are reused after deletion, so a VMID match only counts among live requests.
    const rows = [...this.#rows.values()];
    const row =
      (outcome.uuid !== undefined ? rows.find((r) => r.uuid === outcome.uuid) : undefined) ??
      rows.find((r) => r.request === outcome.name) ??
      rows.find((r) => r.vmid === outcome.vmid && r.stage !== "DEPROVISIONED");
    if (!row) return;
    if (outcome.registered) {
      if (!row.registered) {
        row.registered = true;
        row.uuid = outcome.uuid;
        delete row.bootProblem;
        this.#emit(row, `VM ${outcome.vmid} booted and registered as ${outcome.uuid}`);
      }
    } else {
      row.bootProblem = `${outcome.problem}: ${outcome.detail}`;
      this.#emit(row, `VM ${outcome.vmid} booted but did not register: ${outcome.detail}`);
    }
  }

  /** The counts and rows of the `--json` summary. */
  summary(): ProgressSummary {
    const rows = this.machines();
    const failed: ProgressSummary["failed"] = [];
    for (const r of rows) {
      if (r.stage === "FAILED") failed.push({ request: r.request, error: r.error || r.status || "failed" });
      else if (r.bootProblem && !r.registered)
        failed.push({ request: r.request, error: `not registered: ${r.bootProblem}` });
    }
    return {
      requested: rows.length,
      provisioned: rows.filter((r) => r.provisioned).length,
      registered: rows.filter((r) => r.registered).length,
      deprovisioned: rows.filter((r) => r.stage === "DEPROVISIONED").length,
      failed,
      machines: rows.map((r) => ({
        request: r.request,
        node: r.node ?? null,
        vmid: r.vmid ?? null,
        uuid: r.uuid ?? null,
        stage: r.stage,
        storage: r.storage ?? null,
      })),
    };
  }

  /** True when every live request is provisioned and registered (and none failed). */
  settledUp(): boolean {
    const live = [...this.#rows.values()].filter((r) => r.stage !== "TEARING_DOWN" && r.stage !== "DEPROVISIONED");
    return live.length > 0 && live.every((r) => r.stage === "PROVISIONED" && r.registered);
  }

  /** True when every request ever made has been deprovisioned. */
  settledDown(): boolean {
    const rows = [...this.#rows.values()];
    return rows.length > 0 && rows.every((r) => r.stage === "DEPROVISIONED");
  }

  #row(request: string, set: string): MachineProgress {
    let row = this.#rows.get(request);
    if (!row) {
      row = { request, set, stage: "REQUESTED", status: "", error: "", registered: false, provisioned: false };
      this.#rows.set(request, row);
    }
    return row;
  }

  #rowForVm(vm: VmView): MachineProgress | undefined {
    const uuid = smbiosUuid(vm.config);
    const rows = [...this.#rows.values()];
    const byUuid = uuid ? rows.find((r) => r.uuid === uuid) : undefined;
    if (byUuid) return byUuid;
    // Proxmox lower-cases tags, so compare case-insensitively.
    const text = [vm.config.name, vm.config.tags, vm.config.description]
      .filter((v) => typeof v === "string")
      .join(" ")
      .toLowerCase();
    return rows.find((r) => text.includes(r.request.toLowerCase()));
  }

  #emit(row: MachineProgress, text: string): void {
    const event: ProgressEvent = { at: this.#now() - this.#started, request: row.request, text };
    this.#events.push(event);
    for (const listener of this.#listeners) listener(event);
  }
}

function describeStatus(stage: RequestStage, status: string, error: string): string {
  const parts = [stage.toLowerCase()];
  if (status) parts.push(status);
  if (error) parts.push(`error: ${error}`);
  return parts.join(": ");
}

/** Storage IDs of the VM's disks (CD-ROMs excluded), in slot order. */
export function diskStorages(config: Record<string, string | number>): string | undefined {
  const cdroms = new Set(cdromDrives(config).map((d) => d.slot));
  const storages: string[] = [];
  for (const key of Object.keys(config).sort()) {
    if (!DISK_KEY.test(key) || cdroms.has(key)) continue;
    const value = config[key];
    if (typeof value !== "string") continue;
    const volume = value.split(",")[0] ?? "";
    const storage = volume.includes(":") ? volume.slice(0, volume.indexOf(":")) : "";
    if (storage && !storages.includes(storage)) storages.push(storage);
  }
  return storages.length > 0 ? storages.join("+") : undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ─── Rendering (pure) ────────────────────────────────────────────────────────────────────────────────

/**
 * One line per event, for logs and non-TTY output.
 *
 * @example
 * renderEventLine({ at: 12_345, request: "talos-prod-01-workers-q7xk2b", text: "provisioned" });
 * // "[  12.3s] talos-prod-01-workers-q7xk2b  provisioned"
 */
export function renderEventLine(event: ProgressEvent): string {
  return `[${(event.at / 1000).toFixed(1).padStart(6)}s] ${event.request}  ${event.text}`;
}

const COLUMNS: { title: string; value: (m: MachineProgress) => string }[] = [
  { title: "REQUEST", value: (m) => m.request },
  { title: "STAGE", value: (m) => m.stage },
  { title: "NODE", value: (m) => m.node ?? "-" },
  { title: "VMID", value: (m) => (m.vmid === undefined ? "-" : String(m.vmid)) },
  { title: "STORAGE", value: (m) => m.storage ?? "-" },
  { title: "UUID", value: (m) => m.uuid ?? "-" },
  { title: "REGISTERED", value: (m) => (m.registered ? "yes" : m.bootProblem ? "no (see below)" : "no") },
];

/**
 * The summary table: one row per request, columns aligned, followed by failures with their reasons.
 *
 * @example
 * console.log(renderSummaryTable(progress.machines()));
 */
export function renderSummaryTable(machines: readonly MachineProgress[]): string {
  const rows = machines.map((m) => COLUMNS.map((c) => c.value(m)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const out = [line(COLUMNS.map((c) => c.title)), ...rows.map(line)];
  const problems = machines.filter((m) => m.error || (m.bootProblem && !m.registered));
  if (problems.length > 0) {
    out.push("");
    for (const m of problems) out.push(`${m.request}: ${m.error || m.bootProblem}`);
  }
  return out.join("\n");
}

/**
 * A full-screen frame for a TTY (the caller clears and redraws): header, per-request status lines and
 * the most recent events, clipped to `width` columns.
 */
export function renderLiveView(
  machines: readonly MachineProgress[],
  events: readonly ProgressEvent[],
  options: { title: string; elapsedMs: number; width?: number; recentEvents?: number },
): string {
  const width = options.width ?? 120;
  const clip = (s: string) => (s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s);
  const counts = {
    provisioned: machines.filter((m) => m.stage === "PROVISIONED").length,
    registered: machines.filter((m) => m.registered).length,
  };
  const lines = [
    `${options.title} — ${(options.elapsedMs / 1000).toFixed(1)}s — ${machines.length} requests, ${counts.provisioned} provisioned, ${counts.registered} registered`,
    "",
  ];
  const idWidth = Math.max(7, ...machines.map((m) => m.request.length));
  for (const m of machines) {
    const where = m.vmid === undefined ? "" : `VM ${m.vmid} on ${m.node ?? "?"}${m.storage ? ` (${m.storage})` : ""}`;
    const detail = m.error ? `error: ${m.error}` : m.status;
    const mark = m.registered ? "✔ registered" : "";
    lines.push(
      `${m.request.padEnd(idWidth)}  ${m.stage.padEnd(13)}  ${where.padEnd(30)}  ${mark.padEnd(12)}  ${detail}`.trimEnd(),
    );
  }
  const recent = events.slice(-(options.recentEvents ?? 8));
  if (recent.length > 0) {
    lines.push("", "recent:");
    for (const e of recent) lines.push(`  ${renderEventLine(e)}`);
  }
  return lines.map(clip).join("\n");
}
