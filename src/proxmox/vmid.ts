/**
 * VMID allocation that survives concurrency. Proxmox's `/cluster/nextid` reserves nothing: two callers
 * get the same id and the second create fails with "VM N already exists". Three layers fix that:
 *
 * 1. In this process, a reservation set: no two callers of one allocator are handed the same id until
 *    the id is released (after the create call returned, when Proxmox itself knows the id is taken).
 * 2. Before handing an id out, a probe with `GET /cluster/nextid?vmid=N` (authoritative, unlike
 *    `/cluster/resources`, which hides VMs the token may not audit).
 * 3. Across processes (other providers, humans, Terraform): nothing can reserve, so the create call is
 *    the arbiter — Proxmox takes the id atomically when it writes the config, and the loser gets
 *    `already_exists`. {@link createVmWithFreshVmid} then retries with the next candidate.
 */
import type { ProxmoxClient, VmCreateParams } from "./client.ts";
import { isProxmoxError, ProxmoxError } from "./errors.ts";

/** Inclusive VMID range to allocate from (Proxmox allows 100 … 999 999 999). */
export interface VmidRange {
  min: number;
  max: number;
}

export type VmidClient = Pick<ProxmoxClient, "nextId" | "isVmidFree" | "clusterResources">;

/** A handed-out VMID; release it once the create call has returned (success or not). */
export interface VmidLease {
  vmid: number;
  release(): void;
}

const MIN_VMID = 100;
const MAX_VMID = 999_999_999;

/**
 * Hands out VMIDs that no other caller of this allocator holds and that Proxmox reports free.
 *
 * @example
 * const allocator = new VmidAllocator(client, { range: { min: 5000, max: 5999 } });
 * const { vmid, upid } = await createVmWithFreshVmid(client, allocator, "pve1", (vmid) => ({ vmid, name: "talos-1" }));
 */
export class VmidAllocator {
  readonly #client: VmidClient;
  readonly #range: VmidRange | undefined;
  readonly #reserved = new Set<number>();

  constructor(client: VmidClient, options: { range?: VmidRange } = {}) {
    const range = options.range;
    if (
      range &&
      (!Number.isInteger(range.min) ||
        !Number.isInteger(range.max) ||
        range.min < MIN_VMID ||
        range.max > MAX_VMID ||
        range.min > range.max)
    ) {
      throw new ProxmoxError(
        "invalid_params",
        `VMID range ${range.min}-${range.max} is invalid: need integers with ${MIN_VMID} <= min <= max <= ${MAX_VMID}`,
        { params: { vmidRange: "invalid" } },
      );
    }
    this.#client = client;
    this.#range = range;
  }

  /** IDs currently handed out and not yet released. */
  get reserved(): ReadonlySet<number> {
    return this.#reserved;
  }

  /**
   * Reserves the lowest VMID that is free in Proxmox and not held by another caller of this allocator.
   * Throws `conflict` when the configured range is exhausted.
   */
  async reserve(options: { skip?: ReadonlySet<number> } = {}): Promise<VmidLease> {
    const taken = new Set<number>(options.skip ?? []);
    for (const r of await this.#visibleVmids()) taken.add(r);
    let candidate = await this.#start();
    const max = this.#range?.max ?? MAX_VMID;
    for (; candidate <= max; candidate++) {
      if (taken.has(candidate) || this.#reserved.has(candidate)) continue;
      // Claim before awaiting, so concurrent callers in this process skip it.
      this.#reserved.add(candidate);
      let free = false;
      try {
        free = await this.#client.isVmidFree(candidate);
      } catch (err) {
        this.#reserved.delete(candidate);
        throw err;
      }
      if (free) return this.#lease(candidate);
      this.#reserved.delete(candidate);
      taken.add(candidate);
    }
    throw new ProxmoxError(
      "conflict",
      this.#range
        ? `no free VMID in the configured range ${this.#range.min}-${this.#range.max}; widen the range or delete VMs`
        : "no free VMID left",
    );
  }

  #lease(vmid: number): VmidLease {
    let released = false;
    return {
      vmid,
      release: () => {
        if (released) return;
        released = true;
        this.#reserved.delete(vmid);
      },
    };
  }

  /** Where to begin: the range start, or Proxmox's lowest free id when no range is set. */
  async #start(): Promise<number> {
    if (this.#range) return this.#range.min;
    return this.#client.nextId();
  }

  /** VMIDs the token can see in the cluster (a hint that saves probes; the probe is authoritative). */
  async #visibleVmids(): Promise<number[]> {
    const vms = await this.#client.clusterResources("vm");
    return vms.map((vm) => vm.vmid).filter((id) => Number.isInteger(id));
  }
}

export interface CreateWithVmidOptions {
  /** Give up after this many `already_exists` answers (default 10). */
  maxAttempts?: number;
}

/**
 * Creates a VM with a freshly allocated VMID, retrying with the next candidate when another process
 * wins the race for an id (`already_exists`). Returns the id used and the `qmcreate` UPID.
 *
 * @example
 * const { vmid, upid } = await createVmWithFreshVmid(client, allocator, "pve1", (vmid) => ({ vmid, name: `talos-${vmid}` }));
 * await client.waitForTask(upid);
 */
export async function createVmWithFreshVmid(
  client: Pick<ProxmoxClient, "createVm">,
  allocator: VmidAllocator,
  node: string,
  build: (vmid: number) => VmCreateParams,
  options: CreateWithVmidOptions = {},
): Promise<{ vmid: number; upid: string }> {
  const maxAttempts = options.maxAttempts ?? 10;
  const lost = new Set<number>();
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const lease = await allocator.reserve({ skip: lost });
    try {
      const upid = await client.createVm(node, { ...build(lease.vmid), vmid: lease.vmid });
      return { vmid: lease.vmid, upid };
    } catch (err) {
      if (!isProxmoxError(err, "already_exists")) throw err;
      lost.add(lease.vmid);
      lastError = err;
    } finally {
      lease.release();
    }
  }
  throw new ProxmoxError(
    "already_exists",
    `gave up creating a VM on '${node}' after ${maxAttempts} VMIDs were taken by others (last: ${[...lost].pop()}); another client is allocating the same ids — configure a separate VMID range`,
    { cause: lastError },
  );
}
