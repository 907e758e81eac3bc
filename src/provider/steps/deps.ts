/**
 * What the steps, deprovision and garbage collection share: the Proxmox client, who we are, the
 * reservation book, the ISO download sharing and the VMID allocators. Built once per provider.
 */
import type { Logger } from "../../observability/logger.ts";
import { type ProxmoxClient, VmidAllocator, type VmidRange, type WaitOptions } from "../../proxmox/index.ts";
import type { IsoShare } from "../images/index.ts";
import type { Overcommit } from "../placement/index.ts";
import type { MachineStateSource, ReservationBook } from "../state/index.ts";
import type { ApiIdentity } from "../vmspec/index.ts";

/** How long steps wait for Proxmox tasks and how soon they ask to be run again. */
export interface StepTiming {
  /** Poll settings for task waits; `timeoutMs` bounds one wait inside a step (the step resumes later). */
  readonly task: WaitOptions;
  /** Retry delay while something is still in progress (a task running, a lock held). */
  readonly busyRetryMs: number;
  /** First retry delay after a failed task; doubled per attempt up to `maxRetryMs`. */
  readonly failRetryMs: number;
  readonly maxRetryMs: number;
  /** Retry delay when the cluster has no room (capacity may free up). */
  readonly capacityRetryMs: number;
}

export const DEFAULT_STEP_TIMING: StepTiming = {
  task: { timeoutMs: 120_000, pollMs: 250, maxPollMs: 2_000 },
  busyRetryMs: 2_000,
  failRetryMs: 5_000,
  maxRetryMs: 120_000,
  capacityRetryMs: 30_000,
};

export interface ProvisionerDeps {
  readonly pve: ProxmoxClient;
  readonly providerId: string;
  /** Who talks to Proxmox (root-only options need a root@pam password session). */
  readonly identity: ApiIdentity;
  readonly book: ReservationBook;
  /** Every state resource of this provider (machine request set members for HA rules). */
  readonly states: MachineStateSource;
  readonly isos: IsoShare;
  readonly vmids: VmidAllocators;
  readonly overcommit?: Partial<Overcommit>;
  readonly timing: StepTiming;
  readonly logger?: Logger;
}

/** Retry delay after `attempts` failures: exponential from `failRetryMs`, capped. */
export function failureDelay(timing: StepTiming, attempts: number): number {
  return Math.min(timing.maxRetryMs, timing.failRetryMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * One {@link VmidAllocator} per VMID range, so requests sharing a range never get the same ID in this
 * process (Proxmox itself arbitrates between processes: the loser's create is `already_exists`).
 */
export class VmidAllocators {
  readonly #pve: ProxmoxClient;
  readonly #defaultRange: VmidRange | undefined;
  readonly #byRange = new Map<string, VmidAllocator>();

  constructor(pve: ProxmoxClient, defaultRange?: VmidRange) {
    this.#pve = pve;
    this.#defaultRange = defaultRange;
  }

  /** The allocator of a providerdata `vmid_range` (`5300-5350`), else of the configured default range. */
  for(range: VmidRange | undefined): VmidAllocator {
    const effective = range ?? this.#defaultRange;
    const key = effective ? `${effective.min}-${effective.max}` : "";
    let allocator = this.#byRange.get(key);
    if (!allocator) {
      allocator = new VmidAllocator(this.#pve, effective ? { range: effective } : {});
      this.#byRange.set(key, allocator);
    }
    return allocator;
  }
}
