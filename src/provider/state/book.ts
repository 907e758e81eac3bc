/**
 * The reservation book: every in-flight placement, read from our state resources in Omni (so a
 * restarted provider and parallel requests see each other) plus the decisions this process made that
 * the runtime has not persisted yet. Placement decisions are serialised through {@link ReservationBook.exclusive}
 * so two requests placed at the same moment never both take the last free memory of a node.
 */
import { specCodecFor } from "../../infra/env.ts";
import type { ResourceType } from "../../omni/resource.ts";
import { providerStateType } from "../../omni/resources.ts";
import type { StateClient } from "../../omni/state.ts";
import type { Reservation } from "../placement/index.ts";
import { type MachineState, machineStateCodec, STATE_RESOURCE_NAME } from "./codec.ts";
import { reservationOf } from "./reservations.ts";

export interface StoredMachineState {
  readonly requestId: string;
  readonly state: MachineState;
}

/** Where persisted states come from (Omni in production; tests pass the same over the wire). */
export interface MachineStateSource {
  list(): Promise<StoredMachineState[]>;
}

/** The provider state resource type for `providerId` (`Machine.<id>.infraprovider.sidero.dev`). */
export function machineStateType(providerId: string): ResourceType<MachineState> {
  return providerStateType(providerId, STATE_RESOURCE_NAME, specCodecFor(machineStateCodec));
}

/**
 * Reads every state resource of this provider from Omni.
 *
 * @example
 * const source = omniMachineStates(stateClient, "matrix-cluster");
 * (await source.list()).map((s) => s.state.vmid);
 */
export function omniMachineStates(state: StateClient, providerId: string): MachineStateSource {
  const type = machineStateType(providerId);
  return {
    async list() {
      const resources = await state.list(type);
      return resources.map((r) => ({ requestId: r.metadata.id, state: r.spec }));
    },
  };
}

/** Pending decisions not yet visible in Omni are dropped after this long (the write must have failed). */
const PENDING_TTL_MS = 10 * 60_000;

export class ReservationBook {
  readonly #source: MachineStateSource;
  readonly #now: () => number;
  readonly #pending = new Map<string, { reservation: Reservation; at: number }>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(source: MachineStateSource, now: () => number = Date.now) {
    this.#source = source;
    this.#now = now;
  }

  /** Runs `fn` with no other placement decision of this process in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Persisted reservations merged with this process's pending ones (the pending decision wins: it is newer). */
  async reservations(): Promise<Reservation[]> {
    const byRequest = new Map<string, Reservation>();
    for (const { requestId, state } of await this.#source.list()) {
      const r = reservationOf(requestId, state);
      if (r) byRequest.set(requestId, r);
    }
    const now = this.#now();
    for (const [requestId, entry] of this.#pending) {
      if (now - entry.at > PENDING_TTL_MS && !byRequest.has(requestId)) {
        this.#pending.delete(requestId);
        continue;
      }
      byRequest.set(requestId, entry.reservation);
    }
    return [...byRequest.values()];
  }

  /** Remembers a decision until the runtime has persisted it (and beyond: merging by request ID is idempotent). */
  hold(reservation: Reservation): void {
    this.#pending.set(reservation.requestId, { reservation, at: this.#now() });
  }

  /** Forgets a request's pending decision (deprovisioned, or placed again). */
  release(requestId: string): void {
    this.#pending.delete(requestId);
  }
}
