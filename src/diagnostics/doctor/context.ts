/**
 * What the checks share: the target, the machine classes to check against, and memoised reads from
 * Proxmox and Omni so each endpoint is asked once however many checks need it. Only reads.
 */

import type { ClusterSnapshot } from "../../provider/placement/index.ts";
import type { ProviderData } from "../../provider/providerdata/index.ts";
import {
  type BridgeInfo,
  type ClusterResource,
  type Permissions,
  ProxmoxClient,
  type ResourceMapping,
} from "../../proxmox/index.ts";
import { readClusterSnapshot } from "../plan/snapshot.ts";
import type { DiagnosticTarget } from "../target.ts";

/** A machine class (from a file, or the providerdata of a live MachineRequest) whose needs are checked. */
export interface ClassUnderCheck {
  readonly name: string;
  /** `file.yaml` or `MachineRequest talos-prod-01-workers-abc123`. */
  readonly origin: string;
  readonly data: ProviderData;
}

export interface DoctorOptions {
  readonly target: DiagnosticTarget;
  readonly classes: readonly ClassUnderCheck[];
  /** Clock for expiry, skew and stuck-request ages (tests). */
  readonly now?: () => Date;
  /** A request provisioning longer than this is reported as stuck (default 15 min). */
  readonly stuckAfterMs?: number;
  /** Name resolution for the SideroLink host (tests). */
  readonly lookup?: (host: string) => Promise<string[]>;
}

export class DoctorContext {
  readonly target: DiagnosticTarget;
  readonly classes: ClassUnderCheck[];
  readonly now: () => Date;
  readonly stuckAfterMs: number;
  readonly lookup: ((host: string) => Promise<string[]>) | undefined;
  #pve: ProxmoxClient | undefined;
  readonly #memo = new Map<string, Promise<unknown>>();

  constructor(options: DoctorOptions) {
    this.target = options.target;
    this.classes = [...options.classes];
    this.now = options.now ?? (() => new Date());
    this.stuckAfterMs = options.stuckAfterMs ?? 15 * 60_000;
    this.lookup = options.lookup;
  }

  /** One client for every Proxmox check; few retries so a dead endpoint is reported quickly. */
  get pve(): ProxmoxClient {
    this.#pve ??= new ProxmoxClient({
      ...this.target.proxmox,
      timeoutMs: Math.min(this.target.proxmox.timeoutMs ?? 10_000, 10_000),
      retry: { attempts: 2, initialMs: 100, maxMs: 500 },
    });
    return this.#pve;
  }

  #once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.#memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.#memo.set(key, p);
    }
    return p;
  }

  resources(): Promise<ClusterResource[]> {
    return this.#once("resources", () => this.pve.clusterResources());
  }

  snapshot(): Promise<ClusterSnapshot> {
    return this.#once("snapshot", () => readClusterSnapshot(this.pve));
  }

  permissions(): Promise<Permissions> {
    return this.#once("permissions", () => this.pve.permissions());
  }

  bridges(node: string): Promise<BridgeInfo[]> {
    return this.#once(`bridges:${node}`, () => this.pve.listBridges(node));
  }

  pciMappings(): Promise<ResourceMapping[]> {
    return this.#once("pci", () => this.pve.listPciMappings());
  }

  usbMappings(): Promise<ResourceMapping[]> {
    return this.#once("usb", () => this.pve.listUsbMappings());
  }

  async close(): Promise<void> {
    await this.#pve?.close();
  }
}
