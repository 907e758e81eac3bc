import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ProviderData, parseProviderData } from "../providerdata/index.ts";
import type { NodeFacts, StorageFacts } from "../selectors/index.ts";
import { placeMachine, placementOrder } from "./place.ts";
import type { ClusterSnapshot, PlacementRequest, Reservation, VmSnapshot } from "./types.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function data(yaml: string): ProviderData {
  const r = parseProviderData(yaml);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return r.data;
}

const CP = data(
  'cores: 4\nsockets: 1\nmemory: 8192\ndisk_size: 50\nnetwork_bridge: vmbr0\nstorage_selector: name == "vm_ssd"',
);
const WORKER = data('cores: 4\nsockets: 1\nmemory: 16384\ndisk_size: 100\nstorage_selector: name == "vm_ssd"');

function node(name: string, over: Partial<NodeFacts> = {}): NodeFacts {
  return { name, status: "online", maxcpu: 32, maxmem: 128 * GIB, mem: 10 * GIB, cpu: 0.1, tags: [], ...over };
}

function storagesFor(nodeName: string, over: { localLvmAvail?: number } = {}): StorageFacts[] {
  const base = { node: nodeName, active: true, enabled: true, used: 0 };
  return [
    {
      ...base,
      storage: "local",
      type: "dir",
      content: ["iso", "vztmpl", "backup", "snippets"],
      shared: false,
      avail: 80 * GIB,
      total: 100 * GIB,
    },
    {
      ...base,
      storage: "local-lvm",
      type: "lvmthin",
      content: ["images", "rootdir"],
      shared: false,
      avail: over.localLvmAvail ?? 800 * GIB,
      total: 900 * GIB,
    },
    {
      ...base,
      storage: "vm_ssd",
      type: "rbd",
      content: ["images", "rootdir"],
      shared: true,
      avail: 12000 * GIB,
      total: 36000 * GIB,
    },
  ];
}

function seedCluster(over: { nodes?: NodeFacts[]; vms?: VmSnapshot[] } = {}): ClusterSnapshot {
  const nodes = over.nodes ?? [node("foxtrot"), node("golf"), node("hotel")];
  return { nodes, vms: over.vms ?? [], storages: nodes.flatMap((n) => storagesFor(n.name)) };
}

function req(requestId: string, d: ProviderData, set?: string, role?: PlacementRequest["role"]): PlacementRequest {
  return { requestId, data: d, ...(set ? { machineRequestSetId: set } : {}), ...(role ? { role } : {}) };
}

/** Places requests one after another, feeding each decision back as a persisted reservation. */
function placeAll(
  snapshot: ClusterSnapshot,
  requests: PlacementRequest[],
  overcommit?: { memory?: number; cpu?: number },
) {
  const reservations: Reservation[] = [];
  const failures: string[] = [];
  for (const request of requests) {
    const r = placeMachine({ snapshot, request, reservations, ...(overcommit ? { overcommit } : {}) });
    if (r.ok) reservations.push(r.decision.reservation);
    else failures.push(r.error.code);
  }
  return { reservations, failures };
}

function perNode(reservations: readonly Reservation[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reservations) out[r.node] = (out[r.node] ?? 0) + 1;
  return out;
}

describe("placement: the seed's cluster", () => {
  it("puts 3 control planes on 3 distinct nodes, disks on vm_ssd, ISO on local", () => {
    const snapshot = seedCluster();
    const { reservations, failures } = placeAll(
      snapshot,
      [1, 2, 3].map((i) => req(`cp-${i}`, CP, "talos-prod-01-cp", "control-plane")),
    );
    assert.deepEqual(failures, []);
    assert.deepEqual(new Set(reservations.map((r) => r.node)).size, 3);
    const r = placeMachine({
      snapshot,
      request: req("cp-1", CP, "talos-prod-01-cp", "control-plane"),
      reservations: [],
    });
    assert.ok(r.ok);
    assert.deepEqual(r.decision.storages, { boot: "vm_ssd", additional: [], iso: "local", cidata: "local" });
    assert.equal(r.decision.reservation.memoryBytes, 8192 * MIB);
    assert.equal(r.decision.reservation.vcpus, 4);
    assert.deepEqual(r.decision.reservation.volumes, [
      { storage: "vm_ssd", node: r.decision.node, shared: true, bytes: 50 * GIB },
    ]);
    assert.equal(r.decision.explanation.length, 3);
    assert.equal(r.decision.explanation.filter((e) => e.chosen).length, 1);
  });

  it("orders control planes before workers", () => {
    const order = placementOrder([
      { requestId: "w-2", role: "worker" },
      { requestId: "cp-2", role: "control-plane" },
      { requestId: "w-1" },
      { requestId: "cp-1", role: "control-plane" },
    ]);
    assert.deepEqual(
      order.map((r) => r.requestId),
      ["cp-1", "cp-2", "w-1", "w-2"],
    );
  });
});

describe("placement: regression #51 — VMs of one machine set all landed on one host", () => {
  it("spreads a set even when one node has far more free (used) memory", () => {
    const nodes = [
      node("foxtrot", { mem: 1 * GIB }),
      node("golf", { mem: 100 * GIB }),
      node("hotel", { mem: 100 * GIB }),
    ];
    const { reservations } = placeAll(
      seedCluster({ nodes }),
      [1, 2, 3].map((i) => req(`w-${i}`, WORKER, "workers")),
    );
    assert.deepEqual(perNode(reservations), { foxtrot: 1, golf: 1, hotel: 1 });
  });

  it("counts configured memory of existing VMs (committed), not the node's used memory", () => {
    // foxtrot looks idle (mem 1 GiB) but its VMs are configured with 120 GiB.
    const nodes = [node("foxtrot", { mem: 1 * GIB }), node("golf", { mem: 60 * GIB })];
    const vms: VmSnapshot[] = [{ vmid: 100, node: "foxtrot", maxmem: 120 * GIB, maxcpu: 8 }];
    const r = placeMachine({ snapshot: seedCluster({ nodes, vms }), request: req("w-1", WORKER), reservations: [] });
    assert.ok(r.ok);
    assert.equal(r.decision.node, "golf");
    const foxtrot = r.decision.explanation.find((e) => e.node === "foxtrot");
    assert.equal(foxtrot?.eligible, false);
    assert.match(foxtrot?.reason ?? "", /committed memory 120\.0 GiB \+ 16\.0 GiB exceeds 128\.0 GiB/);
  });

  it("templates commit nothing", () => {
    const nodes = [node("foxtrot")];
    const vms: VmSnapshot[] = [{ vmid: 9000, node: "foxtrot", maxmem: 120 * GIB, maxcpu: 8, template: true }];
    const r = placeMachine({ snapshot: seedCluster({ nodes, vms }), request: req("w-1", WORKER), reservations: [] });
    assert.ok(r.ok);
  });
});

describe("placement: regression #61 — an offline node broke placement", () => {
  it("rejects the offline node and places on the others", () => {
    const nodes = [
      node("foxtrot", { status: "offline", maxmem: 0, maxcpu: 0 }),
      node("golf"),
      node("hotel", { status: "unknown" }),
    ];
    const r = placeMachine({ snapshot: seedCluster({ nodes }), request: req("w-1", WORKER), reservations: [] });
    assert.ok(r.ok);
    assert.equal(r.decision.node, "golf");
    assert.deepEqual(
      r.decision.explanation.map((e) => [e.node, e.eligible, e.reason]),
      [
        ["foxtrot", false, "node is offline"],
        ["golf", true, r.decision.explanation[1]?.reason],
        ["hotel", false, "node is unknown"],
      ],
    );
  });

  it("a pinned offline node is a typed error; an unknown pinned node too", () => {
    const nodes = [node("foxtrot", { status: "offline" }), node("golf")];
    const offline = placeMachine({
      snapshot: seedCluster({ nodes }),
      request: req("w-1", { ...WORKER, node: "foxtrot" }),
      reservations: [],
    });
    assert.ok(!offline.ok);
    assert.equal(offline.error.code, "offline_pinned_node");
    assert.match(offline.error.message, /pinned node "foxtrot" is offline/);
    const unknown = placeMachine({
      snapshot: seedCluster({ nodes }),
      request: req("w-1", { ...WORKER, node: "india" }),
      reservations: [],
    });
    assert.ok(!unknown.ok);
    assert.equal(unknown.error.code, "unknown_pinned_node");
  });

  it("honours a pin to an online node even against the strategy", () => {
    const r = placeMachine({
      snapshot: seedCluster(),
      request: req("w-1", { ...WORKER, node: "hotel" }),
      reservations: [],
    });
    assert.ok(r.ok);
    assert.equal(r.decision.node, "hotel");
    assert.match(r.decision.explanation[0]?.reason ?? "", /pins node hotel/);
  });
});

describe("placement: HA node affinity", () => {
  it("prefers ha.node_affinity_nodes, and only those when strict", () => {
    const ha = { node_affinity_nodes: ["golf", "hotel:2"] };
    const { reservations } = placeAll(
      seedCluster(),
      [1, 2, 3].map((i) => req(`h-${i}`, { ...WORKER, ha }, "ha-set")),
    );
    assert.deepEqual(perNode(reservations), { golf: 2, hotel: 1 });
    const strict = placeMachine({
      snapshot: seedCluster({ nodes: [node("foxtrot"), node("golf", { status: "offline" })] }),
      request: req("h-1", { ...WORKER, ha: { node_affinity_nodes: ["golf"], node_affinity_strict: true } }),
      reservations: [],
    });
    assert.ok(!strict.ok);
    assert.deepEqual(
      strict.error.rejections.map((r) => [r.node, r.code]),
      [
        ["foxtrot", "outside_ha_affinity"],
        ["golf", "offline"],
      ],
    );
  });
});

describe("placement: node_selector", () => {
  const nodes = [node("foxtrot", { tags: ["gpu"] }), node("golf"), node("hotel", { tags: ["gpu"], status: "offline" })];
  it("restricts to matching online nodes", () => {
    const r = placeMachine({
      snapshot: seedCluster({ nodes }),
      request: req("g-1", { ...WORKER, node_selector: '"gpu" in node.tags' }),
      reservations: [],
    });
    assert.ok(r.ok);
    assert.equal(r.decision.node, "foxtrot");
    assert.match(r.decision.explanation.find((e) => e.node === "golf")?.reason ?? "", /node_selector .* is false/);
  });
  it("matching nothing is SelectorMatchedNothing with per-node reasons", () => {
    const r = placeMachine({
      snapshot: seedCluster({ nodes }),
      request: req("g-1", { ...WORKER, node_selector: '"tpu" in node.tags' }),
      reservations: [],
    });
    assert.ok(!r.ok);
    assert.equal(r.error.code, "selector_matched_nothing");
    assert.equal(r.error.rejections.length, 3);
  });
});

describe("placement: capacity errors", () => {
  it("InsufficientMemory when memory is the only reason", () => {
    const nodes = [node("foxtrot", { maxmem: 8 * GIB }), node("golf", { maxmem: 8 * GIB })];
    const r = placeMachine({ snapshot: seedCluster({ nodes }), request: req("w-1", WORKER), reservations: [] });
    assert.ok(!r.ok);
    assert.equal(r.error.code, "insufficient_memory");
    assert.deepEqual(
      r.error.rejections.map((x) => x.node),
      ["foxtrot", "golf"],
    );
  });
  it("NoNodeFits with mixed reasons (offline, CPU, storage)", () => {
    const nodes = [node("foxtrot", { status: "offline" }), node("golf", { maxcpu: 1 }), node("hotel")];
    const snapshot = { ...seedCluster({ nodes }), storages: [...storagesFor("golf"), ...storagesFor("foxtrot")] };
    const r = placeMachine({ snapshot, request: req("w-1", WORKER), reservations: [], overcommit: { cpu: 2 } });
    assert.ok(!r.ok);
    assert.equal(r.error.code, "no_node_fits");
    assert.deepEqual(
      r.error.rejections.map((x) => [x.node, x.code]),
      [
        ["foxtrot", "offline"],
        ["golf", "insufficient_cpu"],
        ["hotel", "no_storage"],
      ],
    );
    assert.match(r.error.message, /hotel: boot disk: no storage on node hotel/);
  });
  it("memory overcommit raises the limit", () => {
    const nodes = [node("foxtrot", { maxmem: 12 * GIB })];
    assert.equal(
      placeMachine({ snapshot: seedCluster({ nodes }), request: req("w-1", WORKER), reservations: [] }).ok,
      false,
    );
    assert.equal(
      placeMachine({
        snapshot: seedCluster({ nodes }),
        request: req("w-1", WORKER),
        reservations: [],
        overcommit: { memory: 1.5 },
      }).ok,
      true,
    );
  });
  it("rejects a non-positive overcommit as a programming error", () => {
    assert.throws(
      () =>
        placeMachine({
          snapshot: seedCluster(),
          request: req("w-1", WORKER),
          reservations: [],
          overcommit: { memory: 0 },
        }),
      RangeError,
    );
  });
});

describe("placement: reservations", () => {
  it("a reservation whose VM already exists is not counted twice; the request's own is ignored", () => {
    const nodes = [node("foxtrot", { maxmem: 40 * GIB })];
    const vms: VmSnapshot[] = [{ vmid: 101, node: "foxtrot", maxmem: 16 * GIB, maxcpu: 4, requestId: "w-0" }];
    const reservations: Reservation[] = [
      { requestId: "w-0", node: "foxtrot", memoryBytes: 16 * GIB, vcpus: 4, volumes: [] },
      { requestId: "w-1", node: "foxtrot", memoryBytes: 16 * GIB, vcpus: 4, volumes: [] },
    ];
    // 16 (VM w-0) + 16 (w-1 itself, ignored) + 16 needed = 32 ≤ 40
    const r = placeMachine({ snapshot: seedCluster({ nodes, vms }), request: req("w-1", WORKER), reservations });
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    // A different request sees both: 16 + 16 + 16 = 48 > 40
    const other = placeMachine({ snapshot: seedCluster({ nodes, vms }), request: req("w-2", WORKER), reservations });
    assert.ok(!other.ok);
  });

  it("reserved disk space on a local storage is subtracted", () => {
    const nodes = [node("foxtrot")];
    const snapshot: ClusterSnapshot = {
      nodes,
      vms: [],
      storages: storagesFor("foxtrot", { localLvmAvail: 150 * GIB }),
    };
    const local = { ...WORKER, storage_selector: 'name == "local-lvm"' };
    const { reservations, failures } = placeAll(snapshot, [req("a", local), req("b", local)]);
    assert.equal(reservations.length, 1);
    assert.deepEqual(failures, ["no_node_fits"]);
  });

  it("places additional disks, adding up space on the same storage", () => {
    const d = data(
      'memory: 4096\ndisk_size: 40\nstorage_selector: name == "local-lvm"\nadditional_disks:\n  - storage_selector: name == "local-lvm"\n    disk_size: 50\n  - storage_selector: storage.type == "rbd"\n    disk_size: 200',
    );
    const snapshot: ClusterSnapshot = {
      nodes: [node("foxtrot")],
      vms: [],
      storages: storagesFor("foxtrot", { localLvmAvail: 100 * GIB }),
    };
    const r = placeMachine({ snapshot, request: req("x", d), reservations: [] });
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    assert.deepEqual(r.decision.storages.additional, ["local-lvm", "vm_ssd"]);
    const tooBig = placeMachine({ snapshot, request: req("y", { ...d, disk_size: 60 }), reservations: [] });
    assert.ok(!tooBig.ok);
    assert.match(tooBig.error.message, /additional_disks\[0\]/);
  });
});

describe("placement: strategies", () => {
  const vms: VmSnapshot[] = [
    { vmid: 100, node: "foxtrot", maxmem: 4 * GIB, maxcpu: 2 },
    { vmid: 101, node: "foxtrot", maxmem: 4 * GIB, maxcpu: 2 },
    { vmid: 102, node: "golf", maxmem: 64 * GIB, maxcpu: 2 },
  ];
  const cases: [ProviderData["placement_strategy"], string][] = [
    ["spread", "hotel"],
    ["fewer-vms", "hotel"],
    ["binpack", "golf"],
  ];
  for (const [strategy, expected] of cases) {
    it(`${strategy} → ${expected}`, () => {
      const r = placeMachine({
        snapshot: seedCluster({ vms }),
        request: req("w-1", { ...WORKER, placement_strategy: strategy }),
        reservations: [],
      });
      assert.ok(r.ok);
      assert.equal(r.decision.node, expected);
    });
  }
  it("fewer-vms prefers fewer guests over more free memory", () => {
    const two = [node("foxtrot"), node("golf")];
    const skewed: VmSnapshot[] = [
      { vmid: 100, node: "foxtrot", maxmem: 1 * GIB, maxcpu: 1 },
      { vmid: 101, node: "foxtrot", maxmem: 1 * GIB, maxcpu: 1 },
      { vmid: 102, node: "golf", maxmem: 60 * GIB, maxcpu: 1 },
    ];
    const spread = placeMachine({
      snapshot: seedCluster({ nodes: two, vms: skewed }),
      request: req("a", WORKER),
      reservations: [],
    });
    const fewer = placeMachine({
      snapshot: seedCluster({ nodes: two, vms: skewed }),
      request: req("a", { ...WORKER, placement_strategy: "fewer-vms" }),
      reservations: [],
    });
    assert.ok(spread.ok && fewer.ok);
    assert.equal(spread.decision.node, "foxtrot");
    assert.equal(fewer.decision.node, "golf");
  });
  it("round-robin cycles through nodes by name", () => {
    const rr = { ...WORKER, placement_strategy: "round-robin" as const };
    const { reservations } = placeAll(
      seedCluster(),
      [1, 2, 3, 4, 5, 6].map((i) => req(`w-${i}`, rr, "workers")),
    );
    assert.deepEqual(
      reservations.map((r) => r.node),
      ["foxtrot", "golf", "hotel", "foxtrot", "golf", "hotel"],
    );
  });
  it("binpack fills one node before the next", () => {
    const bp = { ...WORKER, placement_strategy: "binpack" as const };
    const { reservations } = placeAll(
      seedCluster(),
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => req(`w-${i}`, bp, "workers")),
    );
    assert.deepEqual(perNode(reservations), { foxtrot: 8, golf: 1 });
  });
  it("is independent of the snapshot's node order", () => {
    const a = seedCluster({ vms });
    const b = { ...a, nodes: [...a.nodes].reverse(), storages: [...a.storages].reverse() };
    for (const strategy of ["spread", "fewer-vms", "binpack", "round-robin"] as const) {
      const ra = placeMachine({
        snapshot: a,
        request: req("w-1", { ...WORKER, placement_strategy: strategy }),
        reservations: [],
      });
      const rb = placeMachine({
        snapshot: b,
        request: req("w-1", { ...WORKER, placement_strategy: strategy }),
        reservations: [],
      });
      assert.ok(ra.ok && rb.ok);
      assert.deepEqual(ra.decision, rb.decision);
    }
  });
});

describe("placement: 30 parallel requests on 3 nodes", () => {
  it("spread holds and committed memory never exceeds node memory × overcommit", () => {
    const nodes = [
      node("foxtrot", { maxmem: 96 * GIB }),
      node("golf", { maxmem: 128 * GIB }),
      node("hotel", { maxmem: 64 * GIB }),
    ];
    const existing: VmSnapshot[] = [{ vmid: 100, node: "golf", maxmem: 20 * GIB, maxcpu: 4 }];
    const snapshot = seedCluster({ nodes, vms: existing });
    const requests = placementOrder([
      ...[1, 2, 3].map((i) => req(`cp-${String(i).padStart(2, "0")}`, CP, "cp", "control-plane")),
      ...Array.from({ length: 27 }, (_, i) =>
        req(`w-${String(i).padStart(2, "0")}`, { ...WORKER, memory: 8192 }, "workers", "worker"),
      ),
    ]);
    const { reservations, failures } = placeAll(snapshot, requests);

    // Every request either got a node or a typed capacity error — never an over-commitment.
    assert.equal(reservations.length + failures.length, 30);
    for (const f of failures) assert.equal(f, "insufficient_memory");
    for (const n of nodes) {
      const committed =
        existing.filter((v) => v.node === n.name).reduce((a, v) => a + v.maxmem, 0) +
        reservations.filter((r) => r.node === n.name).reduce((a, r) => a + r.memoryBytes, 0);
      assert.ok(committed <= n.maxmem, `${n.name}: ${committed} > ${n.maxmem}`);
    }
    // Control planes on three distinct nodes.
    assert.equal(new Set(reservations.filter((r) => r.role === "control-plane").map((r) => r.node)).size, 3);
    // Workers spread evenly until hotel (64 GiB, one control plane) is full at 7, then evenly on the rest.
    assert.deepEqual(failures, []);
    assert.deepEqual(perNode(reservations.filter((r) => r.machineRequestSetId === "workers")), {
      foxtrot: 10,
      golf: 10,
      hotel: 7,
    });
    // No request ID placed twice.
    assert.equal(new Set(reservations.map((r) => r.requestId)).size, reservations.length);
  });

  it("with room for everyone the 30 are split 10/10/10", () => {
    const { reservations, failures } = placeAll(
      seedCluster(),
      Array.from({ length: 30 }, (_, i) =>
        req(`w-${String(i).padStart(2, "0")}`, { ...WORKER, memory: 4096 }, "workers"),
      ),
    );
    assert.deepEqual(failures, []);
    assert.deepEqual(perNode(reservations), { foxtrot: 10, golf: 10, hotel: 10 });
  });

  it("when memory runs out, the rest fail with InsufficientMemory and nothing is over-committed", () => {
    const nodes = [
      node("foxtrot", { maxmem: 64 * GIB }),
      node("golf", { maxmem: 64 * GIB }),
      node("hotel", { maxmem: 64 * GIB }),
    ];
    const { reservations, failures } = placeAll(
      seedCluster({ nodes }),
      Array.from({ length: 30 }, (_, i) => req(`w-${String(i).padStart(2, "0")}`, WORKER, "workers")),
    );
    assert.deepEqual(perNode(reservations), { foxtrot: 4, golf: 4, hotel: 4 });
    assert.equal(failures.length, 18);
    assert.ok(failures.every((f) => f === "insufficient_memory"));
  });
});

describe("placement: seeded random clusters (independent invariant check)", () => {
  it("never over-commits memory and always picks a fitting node with the fewest set members", () => {
    let state = 42;
    const rand = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const small = { ...WORKER, cores: 1, disk_size: 10 };
    for (let round = 0; round < 25; round++) {
      const nodes = ["n1", "n2", "n3"].map((name) =>
        node(name, { maxmem: (32 + Math.floor(rand() * 96)) * GIB, status: rand() < 0.15 ? "offline" : "online" }),
      );
      const vms: VmSnapshot[] = Array.from({ length: Math.floor(rand() * 6) }, (_, i) => ({
        vmid: 100 + i,
        node: `n${1 + Math.floor(rand() * 3)}`,
        maxmem: (1 + Math.floor(rand() * 16)) * GIB,
        maxcpu: 2,
      }));
      const snapshot = seedCluster({ nodes, vms });
      const reservations: Reservation[] = [];
      const committed = (n: string) =>
        vms.filter((v) => v.node === n).reduce((a, v) => a + v.maxmem, 0) +
        reservations.filter((r) => r.node === n).reduce((a, r) => a + r.memoryBytes, 0);
      const members = (n: string) => reservations.filter((r) => r.node === n).length;
      for (let i = 0; i < 30; i++) {
        const memory = 2048 * (1 + Math.floor(rand() * 8));
        const r = placeMachine({ snapshot, request: req(`r${round}-${i}`, { ...small, memory }, "set"), reservations });
        const fitting = nodes.filter((n) => n.status === "online" && committed(n.name) + memory * MIB <= n.maxmem);
        if (fitting.length === 0) {
          assert.ok(!r.ok, `round ${round} request ${i}: placed although nothing fits`);
          continue;
        }
        assert.ok(r.ok, `round ${round} request ${i}: ${r.ok ? "" : r.error.message}`);
        assert.ok(fitting.some((n) => n.name === r.decision.node));
        assert.equal(members(r.decision.node), Math.min(...fitting.map((n) => members(n.name))));
        reservations.push(r.decision.reservation);
      }
      for (const n of nodes) assert.ok(committed(n.name) <= n.maxmem, `round ${round}: ${n.name} over-committed`);
      assert.ok(reservations.every((r) => nodes.find((n) => n.name === r.node)?.status === "online"));
    }
  });
});
