/**
 * What Omni's own controllers do with a provider's outputs, reduced to what the lab needs (protocol notes
 * §6.3, §6.4, §10): a finalizer on every ConfigPatchRequest, released once the request is torn down or its
 * MachineRequest is gone; MachineRequests destroyed once torn down with no finalizers left; machine
 * registrations linked to their MachineRequest once the provider reports the machine UUID; a deleted
 * provider's finalizers stripped from its MachineRequests.
 *
 * Reactions run after the triggering commit (never inside it), one at a time, so watchers observe events
 * in commit order; `settle()` resolves once none are pending.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { LABEL, NS, type Resource, TYPE } from "./model.ts";
import type { ResourceStore, StoreEvent } from "./store.ts";

/** The finalizer Omni's ConfigPatchRequest controller keeps while the derived ConfigPatch exists. */
export const CONFIG_PATCH_FINALIZER = "ConfigPatchRequestController";

export class OmniReactor {
  readonly #store: ResourceStore;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  #unsubscribe: () => void;
  /** The last reaction failure (reactions race with clients; conflicts are retried on the next event). */
  lastError: unknown;

  constructor(store: ResourceStore) {
    this.#store = store;
    this.#unsubscribe = store.subscribe((event) => this.#enqueue(event));
  }

  stop(): void {
    this.#unsubscribe();
  }

  /** Resolves once every queued reaction (and the reactions they caused) has run. */
  async settle(): Promise<void> {
    while (this.#pending > 0) await this.#queue;
  }

  #enqueue(event: StoreEvent): void {
    this.#pending++;
    this.#queue = this.#queue
      .then(() => this.#react(event))
      .catch((error: unknown) => {
        this.lastError = error;
      })
      .finally(() => {
        this.#pending--;
      });
  }

  #react(event: StoreEvent): void {
    const m = event.resource.metadata;
    if (m.namespace !== NS.infra) return;
    switch (m.type) {
      case TYPE.configPatchRequest:
        if (event.type !== "destroyed") this.#reconcileConfigPatchRequest(m.id);
        break;
      case TYPE.machineRequest:
        if (event.type === "destroyed") this.#releasePatchesOf(m.id);
        else this.#collectMachineRequest(m.id);
        break;
      case TYPE.machineRequestStatus:
        if (event.type !== "destroyed") this.#linkRegistration(event.resource);
        break;
      case TYPE.infraProvider:
        if (event.type === "destroyed") this.#releaseRequestsOf(m.id);
        break;
    }
  }

  #reconcileConfigPatchRequest(id: string): void {
    const cpr = this.#store.get(NS.infra, TYPE.configPatchRequest, id);
    if (!cpr) return;
    const has = cpr.metadata.finalizers.includes(CONFIG_PATCH_FINALIZER);
    const requestId = cpr.metadata.labels[LABEL.machineRequest];
    const requestGone = requestId !== undefined && !this.#store.get(NS.infra, TYPE.machineRequest, requestId);
    const release = cpr.metadata.phase === "tearingDown" || requestGone;
    if (release && has)
      this.#setFinalizers(
        cpr,
        cpr.metadata.finalizers.filter((f) => f !== CONFIG_PATCH_FINALIZER),
      );
    else if (!release && !has) this.#setFinalizers(cpr, [...cpr.metadata.finalizers, CONFIG_PATCH_FINALIZER]);
  }

  #releasePatchesOf(requestId: string): void {
    for (const cpr of this.#store.list(NS.infra, TYPE.configPatchRequest)) {
      if (cpr.metadata.labels[LABEL.machineRequest] === requestId) this.#reconcileConfigPatchRequest(cpr.metadata.id);
    }
  }

  #collectMachineRequest(id: string): void {
    const mr = this.#store.get(NS.infra, TYPE.machineRequest, id);
    if (mr && mr.metadata.phase === "tearingDown" && mr.metadata.finalizers.length === 0) {
      this.#store.destroy(NS.infra, TYPE.machineRequest, id, mr.metadata.owner);
    }
  }

  /** A deregistered provider will never finish its teardowns: drop its finalizers so MRs can go. */
  #releaseRequestsOf(providerId: string): void {
    const finalizer = `${providerId}.ProvisionController`;
    for (const mr of this.#store.list(NS.infra, TYPE.machineRequest)) {
      if (mr.metadata.labels[LABEL.infraProviderId] !== providerId || !mr.metadata.finalizers.includes(finalizer))
        continue;
      this.#setFinalizers(
        mr,
        mr.metadata.finalizers.filter((f) => f !== finalizer),
      );
    }
  }

  /** Once MRS.id names a machine, label its registration with the request (as Omni labels the Link). */
  #linkRegistration(status: Resource): void {
    const uuid = machineUuidOf(status.spec.protoSpec);
    if (!uuid) return;
    const registration = this.#store.get(NS.infra, TYPE.machineRegistration, uuid);
    if (!registration || registration.metadata.labels[LABEL.machineRequest] === status.metadata.id) return;
    const mr = this.#store.get(NS.infra, TYPE.machineRequest, status.metadata.id);
    registration.metadata.labels[LABEL.machineRequest] = status.metadata.id;
    const set = mr?.metadata.labels[LABEL.machineRequestSet];
    if (set) registration.metadata.labels[LABEL.machineRequestSet] = set;
    this.#store.update(registration, { owner: registration.metadata.owner });
  }

  #setFinalizers(resource: Resource, finalizers: string[]): void {
    resource.metadata.finalizers = finalizers;
    this.#store.update(resource, { owner: resource.metadata.owner });
  }
}

/** MachineRequestStatusSpec field 1 (`id`). */
export function machineUuidOf(protoSpec: Uint8Array): string {
  let id = "";
  try {
    const r = new BinaryReader(protoSpec);
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 1 && wt === WireType.LengthDelimited) id = r.string();
      else r.skip(wt);
    }
  } catch {
    return "";
  }
  return id;
}
