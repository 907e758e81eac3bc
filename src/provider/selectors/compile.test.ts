import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileNodeSelector, compileStorageSelector } from "./compile.ts";
import type { StorageFacts } from "./env.ts";

const GIB = 1024 ** 3;
const vmSsd: StorageFacts = {
  storage: "vm_ssd",
  node: "foxtrot",
  type: "rbd",
  content: ["images", "rootdir"],
  shared: true,
  active: true,
  enabled: true,
  avail: 4000 * GIB,
  total: 12000 * GIB,
  used: 8000 * GIB,
};

describe("compileStorageSelector: the Go provider's expressions", () => {
  const passing = [
    'name == "vm_ssd"',
    'name == "local-lvm"',
    'storageType == "rbd"',
    'node == "foxtrot" && name == "local-lvm"',
    "availableSpace > 50u",
    "availableSpace > 50u * 1024u * 1024u * 1024u",
    'name in ["vm_ssd", "local-lvm"]',
    'name.startsWith("vm_")',
    'name.matches("^vm_.*$")',
    "true",
  ];
  for (const expression of passing) {
    it(`accepts ${expression}`, () => {
      const r = compileStorageSelector(expression);
      assert.equal(r.ok, true, r.ok ? "" : r.error.message);
    });
  }
});

describe("compileStorageSelector: the storage object", () => {
  const passing = [
    'storage.type == "rbd"',
    '"images" in storage.content',
    "storage.shared && storage.active && storage.enabled",
    "storage.used_fraction < 0.8",
    "storage.avail > 100u * 1024u * 1024u * 1024u",
    "storage.storage == storage.name && storage.name == name",
    'storage.content.exists(c, c == "images")',
  ];
  for (const expression of passing) {
    it(`accepts ${expression}`, () => {
      const r = compileStorageSelector(expression);
      assert.equal(r.ok, true, r.ok ? "" : r.error.message);
    });
  }
});

describe("compileStorageSelector: classic mistakes name the fix", () => {
  const cases: [string, string, RegExp][] = [
    ["", "empty_selector", /name == "local-lvm"/],
    ["   \n", "empty_selector", /CEL expression/],
    ["local-lvm", "bare_name", /write name == "local-lvm"/],
    ["vm_ssd", "bare_name", /write name == "vm_ssd"/],
    ['type == "rbd"', "type_keyword", /storageType == "rbd" or storage.type == "rbd"/],
    ['type != "dir" && name == "x"', "type_keyword", /storageType != "dir" or storage.type != "dir"/],
    ['type == "lvmthin"', "type_keyword", /write storageType == "lvmthin" or storage.type == "lvmthin"/],
    ["availableSpace > 50", "uint_int_mix", /write 50u/],
    ["availableSpace >= 50 * 1024", "uint_int_mix", /uint\(50 \* 1024\)/],
    ["availableSpace == 5", "uint_int_mix", /write 5u/],
    ["storage.avail > 10", "uint_int_mix", /write 10u/],
    ["storage.used_fraction < 1", "numeric_mix", /write 1\.0/],
    ['name = "vm_ssd"', "syntax_error", /use ==/],
    ['name == "a" &&', "syntax_error", /does not parse/],
    ["storageType == rbd", "unknown_variable", /quote string values/],
    ['storage.kind == "rbd"', "unknown_variable", /storage.<field> has storage, name, type/],
    ["name", "not_bool", /produces string/],
    ['"ssd" in name', "type_error", /write name.contains\("ssd"\)/],
    ["availableSpace", "not_bool", /produces uint/],
  ];
  for (const [expression, code, fix] of cases) {
    it(`${JSON.stringify(expression)} → ${code}`, () => {
      const r = compileStorageSelector(expression);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, code, r.error.message);
      assert.match(r.error.message, fix);
      assert.equal(r.error.expression, expression);
      assert.doesNotMatch(r.error.message, /<EOF>/);
    });
  }
});

describe("storage selector evaluation", () => {
  it("sees the Go variables and the storage object", () => {
    const r = compileStorageSelector(
      'name == "vm_ssd" && node == "foxtrot" && storageType == "rbd" && availableSpace > 1000u * 1024u * 1024u * 1024u && storage.shared && "images" in storage.content && storage.used_fraction > 0.6',
    );
    assert.ok(r.ok);
    assert.deepEqual(r.program.evaluate(vmSsd, "foxtrot"), { ok: true, matched: true });
    assert.deepEqual(r.program.evaluate(vmSsd, "golf"), { ok: true, matched: false });
  });

  it("reports evaluation failures as a reason, not a throw", () => {
    const r = compileStorageSelector('storage.content[5] == "images"');
    assert.ok(r.ok);
    const e = r.program.evaluate(vmSsd, "foxtrot");
    assert.equal(e.ok, false);
  });

  it("caches compiled programs", () => {
    const a = compileStorageSelector('name == "cache-me"');
    const b = compileStorageSelector('name == "cache-me"');
    assert.ok(a.ok && b.ok);
    assert.equal(a.program, b.program);
  });
});

describe("compileNodeSelector", () => {
  const node = {
    name: "golf",
    status: "online",
    maxcpu: 32,
    maxmem: 128 * GIB,
    mem: 40 * GIB,
    cpu: 0.25,
    tags: ["gpu", "ssd"],
  };
  it("evaluates node fields", () => {
    const r = compileNodeSelector(
      '"gpu" in node.tags && node.maxcpu >= 16 && node.maxmem - node.mem > 64u * 1024u * 1024u * 1024u && node.cpu < 0.5 && node.status == "online"',
    );
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    assert.deepEqual(r.program.evaluate(node), { ok: true, matched: true });
    assert.deepEqual(r.program.evaluate({ ...node, tags: [] }), { ok: true, matched: false });
  });
  it("matches by name", () => {
    const r = compileNodeSelector('name != "foxtrot"');
    assert.ok(r.ok);
    assert.deepEqual(r.program.evaluate(node), { ok: true, matched: true });
  });
  it("rejects a bare node name and uint/int mixes with the fix", () => {
    const bare = compileNodeSelector("golf");
    assert.ok(!bare.ok && bare.error.code === "bare_name" && /name == "golf"/.test(bare.error.message));
    const mix = compileNodeSelector("node.maxmem > 64");
    assert.ok(!mix.ok && mix.error.code === "uint_int_mix" && /64u/.test(mix.error.message));
    const field = compileNodeSelector("node.memory > 1u");
    assert.ok(!field.ok && field.error.code === "unknown_variable");
  });
});
