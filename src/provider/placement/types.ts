/**
 * Plain data in and out of placement. Sizes are bytes; the caller converts Proxmox units once.
 */
import type { ProviderData } from "../providerdata/index.ts";
import type { NodeFacts, StorageFacts } from "../selectors/index.ts";

export type MachineRole = "control-plane" | "worker";

/** A VM (or template) from /cluster/resources, with what our marks say about it. */
export interface VmSnapshot {
  readonly vmid: number;
  readonly node: string;
  /** Configured memory (maxmem), bytes. */
  readonly maxmem: number;
  /** Configured vCPUs (maxcpu). */
  readonly maxcpu: number;
  /** Templates never run, so they commit nothing. */
  readonly template?: boolean;
  /** Machine request that created it, when it carries our marks. */
  readonly requestId?: string;
  readonly machineRequestSetId?: string;
  readonly role?: MachineRole;
}

/** One /cluster/resources snapshot, taken once per decision. */
export interface ClusterSnapshot {
  readonly nodes: readonly NodeFacts[];
  readonly vms: readonly VmSnapshot[];
  /** One entry per (storage, node), as /cluster/resources lists them (shared storages repeat per node). */
  readonly storages: readonly StorageFacts[];
}

export interface ReservedVolume {
  readonly storage: string;
  readonly node: string;
  readonly shared: boolean;
  readonly bytes: number;
}

/**
 * Capacity promised to an in-flight request whose VM may not exist yet. The caller persists these
 * (our state resources in Omni) so parallel requests and a restarted provider see each other.
 */
export interface Reservation {
  readonly requestId: string;
  readonly machineRequestSetId?: string;
  readonly role?: MachineRole;
  readonly node: string;
  readonly memoryBytes: number;
  readonly vcpus: number;
  readonly volumes: readonly ReservedVolume[];
}

/** Committed capacity may reach physical capacity × factor. */
export interface Overcommit {
  /** Default 1.0: configured VM memory never exceeds node memory. */
  readonly memory: number;
  /** Default 4.0: four vCPUs per physical thread. */
  readonly cpu: number;
  /** Default 1.0, applied to a storage's free space. */
  readonly storage: number;
}

export const DEFAULT_OVERCOMMIT: Overcommit = { memory: 1, cpu: 4, storage: 1 };

export interface PlacementRequest {
  readonly requestId: string;
  readonly machineRequestSetId?: string;
  readonly role?: MachineRole;
  readonly data: ProviderData;
}

export interface PlacementInput {
  readonly snapshot: ClusterSnapshot;
  readonly request: PlacementRequest;
  readonly reservations: readonly Reservation[];
  readonly overcommit?: Partial<Overcommit>;
}

export interface StorageChoice {
  readonly boot: string;
  readonly additional: readonly string[];
  readonly iso: string;
  readonly cidata: string;
}

export type RejectionCode =
  | "not_pinned"
  | "not_selected"
  | "outside_ha_affinity"
  | "offline"
  | "insufficient_memory"
  | "insufficient_cpu"
  | "no_storage";

export interface NodeRejection {
  readonly node: string;
  readonly code: RejectionCode;
  readonly reason: string;
}

/** Why each node was chosen or not, in node-name order. */
export interface NodeExplanation {
  readonly node: string;
  readonly chosen: boolean;
  readonly eligible: boolean;
  readonly reason: string;
}

export interface PlacementDecision {
  readonly node: string;
  readonly storages: StorageChoice;
  /** What to persist before creating anything. */
  readonly reservation: Reservation;
  readonly explanation: readonly NodeExplanation[];
  /** One line for logs and MachineRequestStatus. */
  readonly summary: string;
}
