import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PlacementDecision } from "../placement/index.ts";
import { emptyMachineState, ReservationBook, recordPlacement, reservationOf, roleForRequestSet } from "./index.ts";

const decision: PlacementDecision = {
  node: "golf",
  storages: { boot: "vm_ssd", additional: ["local-lvm"], iso: "local", cidata: "local" },
  reservation: {
    requestId: "r1",
    machineRequestSetId: "c-control-planes",
    role: "control-plane",
    node: "golf",
    memoryBytes: 8 * 1024 ** 3,
    vcpus: 4,
    volumes: [{ storage: "vm_ssd", node: "golf", shared: true, bytes: 50 * 1024 ** 3 }],
  },
  explanation: [],
  summary: "r1 → golf",
};

describe("reservations in the state", () => {
  test("a recorded placement reads back as the same reservation", () => {
    const state = emptyMachineState();
    assert.equal(reservationOf("r1", state), undefined, "nothing before place ran");
    recordPlacement(state, decision);
    assert.deepEqual(reservationOf("r1", state), decision.reservation);
    assert.equal(state.bootStorage, "vm_ssd");
    assert.deepEqual(state.additionalStorages, ["local-lvm"]);
    assert.equal(state.cidataStorage, "local");
  });

  test("the role follows Omni's control-plane set naming", () => {
    assert.equal(roleForRequestSet("talos-prod-01-control-planes"), "control-plane");
    assert.equal(roleForRequestSet("talos-prod-01-workers"), "worker");
    assert.equal(roleForRequestSet(""), undefined);
  });
});

describe("ReservationBook", () => {
  const persisted = () => {
    const state = emptyMachineState();
    recordPlacement(state, decision);
    return state;
  };

  test("merges persisted reservations with pending ones; the pending decision wins", async () => {
    const book = new ReservationBook({ list: async () => [{ requestId: "r1", state: persisted() }] });
    assert.deepEqual(
      (await book.reservations()).map((r) => r.node),
      ["golf"],
    );
    book.hold({ ...decision.reservation, node: "hotel" });
    book.hold({ ...decision.reservation, requestId: "r2" });
    const all = await book.reservations();
    assert.deepEqual(all.map((r) => `${r.requestId}@${r.node}`).sort(), ["r1@hotel", "r2@golf"]);
    book.release("r2");
    assert.equal((await book.reservations()).length, 1);
  });

  test("pending decisions Omni never saw expire", async () => {
    let now = 0;
    const book = new ReservationBook({ list: async () => [] }, () => now);
    book.hold(decision.reservation);
    assert.equal((await book.reservations()).length, 1);
    now = 11 * 60_000;
    assert.equal((await book.reservations()).length, 0);
  });

  test("exclusive runs decisions one at a time, even when one fails", async () => {
    const book = new ReservationBook({ list: async () => [] });
    const order: string[] = [];
    const slow = book.exclusive(async () => {
      order.push("a-start");
      await new Promise((r) => setImmediate(r));
      order.push("a-end");
      throw new Error("a failed");
    });
    const next = book.exclusive(async () => {
      order.push("b");
      return 2;
    });
    await assert.rejects(slow, /a failed/);
    assert.equal(await next, 2);
    assert.deepEqual(order, ["a-start", "a-end", "b"]);
  });
});
