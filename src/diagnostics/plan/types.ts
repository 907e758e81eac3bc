/** Plain data of a plan: what `plan` prints and `--json` emits. */
import type { MachineRole, NodeExplanation, NodeRejection, Overcommit } from "../../provider/placement/index.ts";
import type { ProviderData } from "../../provider/providerdata/index.ts";
import type { StorageVerdict } from "../../provider/selectors/index.ts";

/** A group of identical machines to place: a template's machine set, or `--class FILE --count N`. */
export interface PlanMachineSet {
  /** Machine request set ID (`talos-prod-01-workers`) or the class ID for `--class`. */
  readonly id: string;
  readonly role: MachineRole;
  readonly className: string;
  readonly count: number;
  readonly data: ProviderData;
}

export type PlannedMachine =
  | {
      readonly ok: true;
      readonly set: string;
      readonly className: string;
      readonly name: string;
      readonly node: string;
      readonly storages: {
        readonly boot: string;
        readonly additional: readonly string[];
        readonly iso: string;
        readonly cidata: string;
      };
      /** Why this node (one line). */
      readonly reason: string;
      /** Why each node was or was not chosen. */
      readonly nodes: readonly NodeExplanation[];
    }
  | {
      readonly ok: false;
      readonly set: string;
      readonly className: string;
      readonly name: string;
      readonly code: string;
      readonly message: string;
      readonly rejections: readonly NodeRejection[];
    };

/** Which storages one selector matched on each node, and why the others were rejected. */
export interface SelectorReport {
  readonly className: string;
  /** `storage_selector`, `additional_disks[0].storage_selector`, `iso_storage_selector`… */
  readonly key: string;
  /** As written; `(default: any iso storage)` when the key is unset. */
  readonly expression: string;
  readonly content: string;
  readonly nodes: readonly {
    readonly node: string;
    /** The storage placement would pick on this node, if any. */
    readonly best?: string;
    readonly matched: readonly string[];
    readonly verdicts: readonly StorageVerdict[];
  }[];
}

export interface Headroom {
  readonly className: string;
  /** Machines of this class that would still fit after the plan (capped at {@link HEADROOM_CAP}). */
  readonly more: number;
  readonly capped: boolean;
  /** Why the next one would not fit. */
  readonly limit: string;
}

export interface NodeSummary {
  readonly name: string;
  readonly status: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Machines this plan puts here. */
  readonly planned: number;
}

/** A VM of a planned set that already exists (its request ID starts with the set ID): not placed again. */
export interface ExistingMachine {
  readonly set: string;
  readonly requestId: string;
  readonly vmid: number;
  readonly node: string;
}

export interface PlanReport {
  readonly source: string;
  /** VMs the template's sets already have; only the missing ones are placed. */
  readonly existing: readonly ExistingMachine[];
  readonly overcommit: Overcommit;
  readonly nodes: readonly NodeSummary[];
  readonly machines: readonly PlannedMachine[];
  readonly selectors: readonly SelectorReport[];
  readonly fits: boolean;
  readonly headroom: readonly Headroom[];
}

export const HEADROOM_CAP = 500;
