/**
 * The leader lease as an Omni resource: `Lease.<providerID>.infraprovider.sidero.dev/<providerID>` in
 * `infra-provider:<providerID>`, an opaque JSON spec, compare-and-swap on the resource version.
 */
import { jsonCodec, type Resource, type ResourceType } from "../omni/resource.ts";
import { providerStateType, provisionControllerName } from "../omni/resources.ts";
import type { StateClient } from "../omni/state.ts";
import type { LeaseRecord, LeaseStore } from "./lease.ts";

interface LeaseSpec {
  holder: string;
  leaseMs: number;
  renewedAt: string;
}

export function leaseType(providerId: string): ResourceType<LeaseSpec> {
  return providerStateType(
    providerId,
    "Lease",
    jsonCodec<LeaseSpec>(() => ({ holder: "", leaseMs: 0, renewedAt: "" })),
  );
}

/**
 * @example
 * const store = new OmniLeaseStore(state, "proxmox");
 * new LeaderElector({ store, holderId: `${hostname()}-${process.pid}`, onStartedLeading, onStoppedLeading }).start();
 */
export class OmniLeaseStore implements LeaseStore {
  readonly #state: StateClient;
  readonly #type: ResourceType<LeaseSpec>;
  readonly #id: string;
  readonly #owner: string;

  constructor(state: StateClient, providerId: string) {
    this.#state = state;
    this.#type = leaseType(providerId);
    this.#id = providerId;
    this.#owner = provisionControllerName(providerId);
  }

  /** Last resource read or written, so a renew is a single Update call. */
  #last: Resource<LeaseSpec> | undefined;

  async get(): Promise<LeaseRecord | undefined> {
    const res = await this.#state.find(this.#type, this.#id);
    this.#last = res;
    return res && { version: res.metadata.version, ...res.spec };
  }

  async create(record: Omit<LeaseRecord, "version">): Promise<LeaseRecord> {
    const res = await this.#state.create(
      this.#type,
      { metadata: { id: this.#id }, spec: specOf(record) },
      { owner: this.#owner },
    );
    this.#last = res;
    return { version: res.metadata.version, ...res.spec };
  }

  /** Compare-and-swap: fails with a version conflict when someone else wrote since `expectedVersion`. */
  async update(expectedVersion: string, record: Omit<LeaseRecord, "version">): Promise<LeaseRecord> {
    const base = this.#last ?? (await this.#state.get(this.#type, this.#id));
    const res = await this.#state.update(
      this.#type,
      { metadata: { ...base.metadata, version: expectedVersion }, spec: specOf(record) },
      { owner: this.#owner, expectedPhase: "running" },
    );
    this.#last = res;
    return { version: res.metadata.version, ...res.spec };
  }
}

function specOf(record: Omit<LeaseRecord, "version">): LeaseSpec {
  return { holder: record.holder, leaseMs: record.leaseMs, renewedAt: record.renewedAt };
}
