import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileStorageSelector, type StorageSelectorProgram } from "./compile.ts";
import type { StorageFacts } from "./env.ts";
import { selectStorage } from "./select-storage.ts";

const GIB = 1024 ** 3;

function storage(over: Partial<StorageFacts> & { storage: string }): StorageFacts {
  return {
    node: "foxtrot",
    type: "dir",
    content: ["images"],
    shared: false,
    active: true,
    enabled: true,
    avail: 100 * GIB,
    total: 200 * GIB,
    used: 100 * GIB,
    ...over,
  };
}

function program(expression: string): StorageSelectorProgram {
  const r = compileStorageSelector(expression);
  if (!r.ok) throw r.error;
  return r.program;
}

const storages: StorageFacts[] = [
  storage({ storage: "local", content: ["iso", "vztmpl", "backup", "snippets", "import"], avail: 50 * GIB }),
  storage({ storage: "local-lvm", type: "lvmthin", content: ["images", "rootdir"], avail: 300 * GIB }),
  storage({ storage: "vm_ssd", type: "rbd", shared: true, content: ["images"], avail: 4000 * GIB }),
  storage({ storage: "vm_ssd", node: "golf", type: "rbd", shared: true, content: ["images"], avail: 4000 * GIB }),
  storage({ storage: "nfs-off", type: "nfs", content: ["images", "iso"], active: false, avail: 9000 * GIB }),
  storage({ storage: "old", type: "dir", content: ["images"], enabled: false, avail: 9000 * GIB }),
];

describe("selectStorage", () => {
  it("picks the matching storage with the most free space, on the node only", () => {
    const pick = selectStorage(program("true"), storages, { node: "foxtrot", content: "images" });
    assert.ok(pick.ok);
    assert.equal(pick.storage.storage, "vm_ssd");
    assert.equal(pick.storage.node, "foxtrot");
    const byName = Object.fromEntries(pick.verdicts.map((v) => [v.storage, v.reason]));
    assert.match(byName.local ?? "", /cannot hold images/);
    assert.match(byName["nfs-off"] ?? "", /not active/);
    assert.match(byName.old ?? "", /disabled/);
    assert.match(byName["local-lvm"] ?? "", /another has more free space/);
    assert.equal(pick.verdicts.filter((v) => v.chosen).length, 1);
  });

  it("filters by content kind: iso goes to local, never to an images-only storage", () => {
    const pick = selectStorage(program("true"), storages, { node: "foxtrot", content: "iso" });
    assert.ok(pick.ok);
    assert.equal(pick.storage.storage, "local");
  });

  it("honours the selector and explains a false one", () => {
    const pick = selectStorage(program('name == "local-lvm"'), storages, { node: "foxtrot", content: "images" });
    assert.ok(pick.ok);
    assert.equal(pick.storage.storage, "local-lvm");
    assert.match(pick.verdicts.find((v) => v.storage === "vm_ssd")?.reason ?? "", /is false/);
  });

  it("subtracts reservations and rejects storages that are too small", () => {
    const pick = selectStorage(program('name == "local-lvm"'), storages, {
      node: "foxtrot",
      content: "images",
      needBytes: 100 * GIB,
      reservedBytes: (s) => (s.storage === "local-lvm" ? 250 * GIB : 0),
    });
    assert.equal(pick.ok, false);
    if (pick.ok) return;
    assert.match(pick.message, /no storage on node foxtrot for images matched "name == \\"local-lvm\\""/);
    assert.match(pick.message, /50\.0 GiB free after reservations, 100\.0 GiB needed/);
  });

  it("explains an empty node", () => {
    const pick = selectStorage(program("true"), storages, { node: "hotel", content: "images" });
    assert.equal(pick.ok, false);
    if (!pick.ok) assert.match(pick.message, /no storages on this node/);
  });

  it("breaks equal free space by name, independent of listing order", () => {
    const a = storage({ storage: "b-pool", avail: 10 * GIB });
    const b = storage({ storage: "a-pool", avail: 10 * GIB });
    const first = selectStorage(program("true"), [a, b], { node: "foxtrot", content: "images" });
    const second = selectStorage(program("true"), [b, a], { node: "foxtrot", content: "images" });
    assert.ok(first.ok && second.ok);
    assert.equal(first.storage.storage, "a-pool");
    assert.equal(second.storage.storage, "a-pool");
  });
});
