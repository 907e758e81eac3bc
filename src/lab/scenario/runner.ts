/**
 * Wires the lab's Omni-side pieces together for the `lab` command: the scenario controller (template →
 * requests, scaling), the boot watcher (started VMs → registrations) and the progress model, polled from
 * the Proxmox simulator's snapshot. The provider is not part of this: it runs separately, over the wire.
 */

import type { ClusterTemplate, MachineClass } from "../../templates/index.ts";
import { type BootOutcome, BootWatcher, type MachineJoinSink, type PveSnapshotSource } from "../boot/boot-watcher.ts";
import type { RandomSource } from "./ids.ts";
import { type MachineRequestSetPlan, type OmniStatePort, ScenarioController } from "./omni-controllers.ts";
import { ProgressModel, renderLiveView } from "./progress.ts";

export interface LabScenarioOptions {
  /** The Proxmox simulator's admin (`pve.admin`): snapshots of VMs and volumes. */
  pve: PveSnapshotSource;
  /** The Omni simulator's admin (`omni.admin`): requests, statuses, registrations, machine joins. */
  omni: OmniStatePort & MachineJoinSink;
  template: ClusterTemplate;
  classes: MachineClass[];
  /** Seed for request IDs (default fixed: the same run gives the same IDs). */
  random?: RandomSource | number | string;
  /** How often to look at the Proxmox model (default 100 ms). */
  pollIntervalMs?: number;
  now?: () => number;
}

export type LabScenarioErrorCode = "timeout" | "aborted";

export class LabScenarioError extends Error {
  readonly code: LabScenarioErrorCode;

  constructor(code: LabScenarioErrorCode, message: string) {
    super(message);
    this.name = "LabScenarioError";
    this.code = code;
  }
}

/**
 * @example
 * const scenario = new LabScenario({ pve: pve.admin, omni: omni.admin, ...loadSeedScenario() });
 * scenario.progress.onEvent((e) => console.log(renderEventLine(e)));
 * scenario.start();
 * await scenario.waitUntil((p) => p.settledUp(), { timeoutMs: 120_000 });
 * scenario.tearDown();
 * await scenario.waitUntil((p) => p.settledDown(), { timeoutMs: 120_000 });
 * scenario.stop();
 */
export class LabScenario {
  readonly controller: ScenarioController;
  readonly progress: ProgressModel;
  readonly boot: BootWatcher;
  readonly #pve: PveSnapshotSource;
  readonly #template: ClusterTemplate;
  readonly #classes: MachineClass[];
  readonly #pollIntervalMs: number;
  readonly #changeListeners = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: LabScenarioOptions) {
    this.#pve = options.pve;
    this.#template = options.template;
    this.#classes = options.classes;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.controller = new ScenarioController({
      store: options.omni,
      ...(options.random !== undefined ? { random: options.random } : {}),
    });
    this.progress = new ProgressModel(options.now ? { now: options.now } : {});
    this.boot = new BootWatcher({
      pve: options.pve,
      omni: options.omni,
      onBoot: (outcome: BootOutcome) => this.progress.applyBoot(outcome),
    });
  }

  /** Subscribes, takes the boot baseline, applies the template, and starts polling. */
  start(): MachineRequestSetPlan[] {
    this.controller.start();
    this.#unsubscribe = this.controller.onEvent((event) => {
      this.progress.applyScenarioEvent(event);
      this.#changed();
    });
    this.boot.scan();
    const plans = this.controller.applyTemplate(this.#template, this.#classes);
    this.#timer = setInterval(() => this.tick(), this.#pollIntervalMs);
    this.#timer.unref();
    return plans;
  }

  /** One look at Proxmox: VM placement into the progress rows, then boots. Tests call it directly. */
  tick(): void {
    this.progress.applyVms(this.#pve.snapshot().vms);
    this.boot.scan();
    this.#changed();
  }

  /** One TTY frame of the live view (the caller clears the screen and writes it). */
  liveFrame(options: { title?: string; width?: number } = {}): string {
    return renderLiveView(this.progress.machines(), this.progress.events(), {
      title: options.title ?? "omni-proxmox lab",
      elapsedMs: this.progress.elapsedMs(),
      ...(options.width !== undefined ? { width: options.width } : {}),
    });
  }

  scale(setId: string, count: number): void {
    this.controller.scale(setId, count);
  }

  /** Scales every set to zero (the `up-down` scenario's second half). */
  tearDown(): void {
    this.controller.scaleAllToZero();
  }

  /**
   * Resolves once `predicate` holds, re-checking after every scenario event and poll. Rejects with
   * `timeout` or `aborted`.
   */
  waitUntil(
    predicate: (progress: ProgressModel) => boolean,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    if (predicate(this.progress)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        this.#changeListeners.delete(check);
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const check = () => {
        if (!predicate(this.progress)) return;
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(new LabScenarioError("aborted", "stopped waiting for the scenario: aborted"));
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              const s = this.progress.summary();
              reject(
                new LabScenarioError(
                  "timeout",
                  `scenario did not settle within ${options.timeoutMs} ms: ${s.requested} requested, ${s.provisioned} provisioned, ${s.registered} registered, ${s.deprovisioned} deprovisioned, ${s.failed.length} failed`,
                ),
              );
            }, options.timeoutMs);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort);
      this.#changeListeners.add(check);
    });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.controller.stop();
    this.boot.stop();
  }

  #changed(): void {
    for (const listener of [...this.#changeListeners]) listener();
  }
}
