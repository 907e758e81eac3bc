import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { providerDataJsonSchema } from "./json-schema.ts";
import { PROVIDER_DATA_KEYS } from "./keys.ts";
import { MAX_PROVIDER_DATA_BYTES, parseProviderData } from "./parse.ts";
import { type ProviderData, providerDataSchema } from "./schema.ts";

const BASE = 'memory: 4096\ndisk_size: 40\nstorage_selector: name == "local-lvm"\n';

/** BASE plus extra lines; a top-level key in `extra` replaces the BASE line with that key. */
function withBase(extra: string): string {
  const keys = new Set(
    extra
      .split("\n")
      .map((line) => /^([a-z_]+):/.exec(line)?.[1])
      .filter((k) => k !== undefined),
  );
  const base = BASE.split("\n").filter((line) => !keys.has(/^([a-z_]+):/.exec(line)?.[1] ?? ""));
  return `${base.join("\n")}\n${extra}`;
}

function ok(yaml: string): ProviderData {
  const r = parseProviderData(yaml);
  if (!r.ok) assert.fail(r.errors.map((e) => e.message).join("\n"));
  return r.data;
}

function errors(yaml: string) {
  const r = parseProviderData(yaml);
  assert.equal(r.ok, false, `expected ${JSON.stringify(yaml)} to be rejected`);
  return r.ok ? [] : r.errors;
}

describe("providerdata: every Go provider v0.3.0 key, same name, type, default and meaning", () => {
  // [yaml line(s) added to BASE, key, expected parsed value]
  const table: [string, keyof ProviderData, unknown][] = [
    ["cores: 4", "cores", 4],
    ["sockets: 2", "sockets", 2],
    ["memory: 16384", "memory", 16384],
    ["disk_size: 100", "disk_size", 100],
    ['storage_selector: storageType == "rbd"', "storage_selector", 'storageType == "rbd"'],
    ["node: foxtrot", "node", "foxtrot"],
    ["network_bridge: vmbr1", "network_bridge", "vmbr1"],
    ["vlan: 2501", "vlan", 2501],
    ["network_firewall: false", "network_firewall", false],
    ["disk_ssd: true", "disk_ssd", true],
    ["disk_discard: true", "disk_discard", true],
    ["disk_iothread: true", "disk_iothread", true],
    ["disk_cache: writeback", "disk_cache", "writeback"],
    ["disk_aio: io_uring", "disk_aio", "io_uring"],
    ["cpu_type: host", "cpu_type", "host"],
    ["machine_type: q35", "machine_type", "q35"],
    ["numa: true", "numa", true],
    ["hugepages: 2", "hugepages", "2"],
    ["hugepages: '1024'", "hugepages", "1024"],
    ["balloon: false", "balloon", false],
    ["bios: ovmf", "bios", "ovmf"],
    ["vga: serial0", "vga", "serial0"],
    ["pool: talos", "pool", "talos"],
    ["tags: [talos, k8s-prod]", "tags", ["talos", "k8s-prod"]],
    ["placement_strategy: binpack", "placement_strategy", "binpack"],
    [
      'additional_disks:\n  - storage_selector: name == "local-lvm"\n    disk_size: 200\n    disk_ssd: true',
      "additional_disks",
      [
        {
          storage_selector: 'name == "local-lvm"',
          disk_size: 200,
          disk_ssd: true,
          disk_discard: false,
          disk_iothread: false,
        },
      ],
    ],
    [
      "additional_nics:\n  - bridge: vmbr1\n    vlan: 30",
      "additional_nics",
      [{ bridge: "vmbr1", vlan: 30, firewall: false }],
    ],
    [
      "pci_devices:\n  - mapping: nvidia-gpu-1\n    mdev: nvidia-180\n    pcie: true",
      "pci_devices",
      [{ mapping: "nvidia-gpu-1", mdev: "nvidia-180", pcie: true, primary_gpu: false, rombar: true }],
    ],
    [
      "pci_devices:\n  - mapping: gpu\n    rombar: false",
      "pci_devices",
      [{ mapping: "gpu", pcie: false, primary_gpu: false, rombar: false }],
    ],
    [
      "usb_devices:\n  - mapping: rtl-sdr\n    usb3: true\n  - mapping: zigbee-controller",
      "usb_devices",
      [
        { mapping: "rtl-sdr", usb3: true },
        { mapping: "zigbee-controller", usb3: false },
      ],
    ],
    [
      "ha:\n  state: started\n  resource_affinity: negative\n  node_affinity_nodes: [pve1, pve2]\n  max_restart: 2\n  failback: true\n  rules: [my-rule]",
      "ha",
      {
        state: "started",
        resource_affinity: "negative",
        node_affinity_nodes: ["pve1", "pve2"],
        max_restart: 2,
        failback: true,
        rules: ["my-rule"],
      },
    ],
    ["network_subnet: 192.168.26.0/24\nnetwork_ip: 192.168.26.31", "network_subnet", "192.168.26.0/24"],
    [
      "network_subnet: 192.168.26.0/24\nnetwork_gateway: 192.168.26.1\nnetwork_ip: 192.168.26.31",
      "network_gateway",
      "192.168.26.1",
    ],
    [
      "network_subnet: 192.168.26.0/24\nnetwork_ip: 192.168.26.31\nnetwork_nameservers: [8.8.8.8, 8.8.4.4]",
      "network_nameservers",
      ["8.8.8.8", "8.8.4.4"],
    ],
    ["network_subnet: 192.168.26.0/24\nnetwork_ip: 192.168.26.31", "network_ip", "192.168.26.31"],
    [
      "vmid_range: 5300-5350\nnetwork_subnet: 192.168.26.0/24\nnetwork_base_ip: 192.168.26.10",
      "network_base_ip",
      "192.168.26.10",
    ],
    ["network_subnet: 10.80.2.0/24\nnetwork_ip: 10.80.2.101\nnetwork_mtu: 1450", "network_mtu", 1450],
    ["vmid_range: 5300-5350", "vmid_range", "5300-5350"],
    [
      "vmid_range: 5300-5350\nnetwork_subnet: 2001:db8::/64\nnetwork_gateway: 2001:db8::1\nnetwork_base_ip: 2001:db8::10",
      "network_base_ip",
      "2001:db8::10",
    ],
  ];
  for (const [extra, key, expected] of table) {
    it(`${key}: ${extra.split("\n")[0]}`, () => {
      const data = ok(withBase(extra));
      assert.deepEqual(data[key], expected);
    });
  }

  it("defaults match the Go provider", () => {
    const d = ok(BASE);
    assert.equal(d.network_bridge, "vmbr0");
    assert.equal(d.cpu_type, "x86-64-v2-AES");
    assert.equal(d.vlan, 0);
    assert.equal(d.network_firewall, true);
    assert.equal(d.placement_strategy, "spread");
    assert.equal(d.cores, 1);
    assert.equal(d.sockets, 1);
    for (const key of ["disk_ssd", "disk_discard", "disk_iothread", "numa"] as const) assert.equal(d[key], false);
    for (const key of [
      "balloon",
      "bios",
      "vga",
      "machine_type",
      "disk_cache",
      "disk_aio",
      "hugepages",
      "node",
      "pool",
      "ha",
    ] as const) {
      assert.equal(d[key], undefined, key);
    }
  });

  it("our additions have defaults", () => {
    const d = ok(BASE);
    assert.equal(d.stable_mac, true);
    assert.equal(d.shutdown_timeout, 60);
    assert.deepEqual(d.extensions, []);
    assert.deepEqual(d.kernel_args, []);
    const e = ok(
      `${BASE}node_selector: '"gpu" in node.tags'\nextensions: [siderolabs/iscsi-tools]\nkernel_args: [console=ttyS0]\niso_storage_selector: name == "local"\ncidata_storage_selector: name == "local"\nstable_mac: false\nshutdown_timeout: 300`,
    );
    assert.deepEqual(
      [e.node_selector, e.extensions, e.kernel_args, e.stable_mac, e.shutdown_timeout],
      ['"gpu" in node.tags', ["siderolabs/iscsi-tools"], ["console=ttyS0"], false, 300],
    );
  });

  it("accepts JSON as well as YAML", () => {
    const d = ok('{"memory": 4096, "disk_size": 40, "storage_selector": "name == \\"x\\"", "cores": 2}');
    assert.equal(d.cores, 2);
  });
});

describe("providerdata: errors name the key path, the value and the fix", () => {
  const cases: [string, string, string, RegExp][] = [
    ["cpu: 4", "unknown_key", "cpu", /cpu: 4 is not a known key; did you mean cores\?/],
    ["memroy: 4096", "unknown_key", "memroy", /did you mean memory\?/],
    ["diskSize: 40", "unknown_key", "diskSize", /did you mean disk_size\?/],
    ["storageSelector: x", "unknown_key", "storageSelector", /did you mean storage_selector\?/],
    [
      "additional_disks:\n  - storage_selector: 'true'\n    size: 10\n    disk_size: 1",
      "unknown_key",
      "additional_disks[0].size",
      /did you mean disk_size\?/,
    ],
    ["zzzzzzzzzz: 1", "unknown_key", "zzzzzzzzzz", /remove it; valid keys here: cores, sockets/],
    ["grpctunnel: 0", "unknown_key", "grpctunnel", /move it to spec.autoprovision.grpctunnel/],
    ["network:\n  subnet: 10.0.0.0/8", "unknown_key", "network", /flat keys network_subnet/],
    ["cores: 0", "too_small", "cores", /cores: 0 is below the minimum 1; set cores to at least 1/],
    ["cores: 2.5", "invalid_type", "cores", /a fractional number, expected int/],
    ['cores: "4"', "invalid_type", "cores", /cores: "4" is a string/],
    ["disk_ssd: yes", "invalid_type", "disk_ssd", /write true or false/],
    ["vlan: 5000", "too_big", "vlan", /at most 4094/],
    [
      "placement_strategy: random",
      "invalid_value",
      "placement_strategy",
      /one of "spread", "fewer-vms", "round-robin", "binpack"/,
    ],
    ["disk_cache: fast", "invalid_value", "disk_cache", /"writeback"/],
    ["tags: ['-bad']", "invalid_value", "tags[0]", /Proxmox tag/],
    ["extensions: [iscsi-tools]", "invalid_value", "extensions[0]", /siderolabs\/iscsi-tools/],
    ["kernel_args: ['a b']", "invalid_value", "kernel_args[0]", /one kernel argument per list item/],
    ["vmid_range: 10-20", "invalid_value", "vmid_range", /100 ≤ start/],
    ["vmid_range: 300-200", "invalid_value", "vmid_range", /start ≤ end/],
    ["machine_type: q36", "invalid_value", "machine_type", /q35, pc/],
    ["ha:\n  resource_affinity: anti", "invalid_value", "ha.resource_affinity", /"negative"/],
    ["ha:\n  node_affinity_strict: true", "missing", "ha.node_affinity_nodes", /list the nodes/],
    ["node: foxtrot\nnode_selector: 'true'", "conflict", "node_selector", /not both/],
    ["node_selector: foxtrot", "invalid_selector", "node_selector", /write name == "foxtrot"/],
    ["iso_storage_selector: ''", "invalid_selector", "iso_storage_selector", /is empty/],
  ];
  for (const [extra, code, path, message] of cases) {
    it(`${extra.split("\n")[0]} → ${code} at ${path}`, () => {
      const found = errors(BASE + extra).find((e) => e.path === path);
      assert.ok(found, `no error at ${path}: ${JSON.stringify(errors(BASE + extra))}`);
      assert.equal(found.code, code);
      assert.match(found.message, message);
      assert.ok(found.message.startsWith(path), found.message);
    });
  }

  it("the storage selector's classic mistakes (#4, #39)", () => {
    const table: [string, RegExp][] = [
      ["storage_selector: ''", /\(is empty\); write a CEL expression/],
      ["storage_selector: local-lvm", /write name == "local-lvm"/],
      ['storage_selector: type == "rbd"', /write storageType == "rbd" or storage.type == "rbd"/],
      ["storage_selector: availableSpace > 50", /write 50u/],
    ];
    for (const [line, fix] of table) {
      const errs = errors(`memory: 4096\ndisk_size: 40\n${line}`);
      const e = errs.find((x) => x.path === "storage_selector");
      assert.ok(e, line);
      assert.equal(e.code, "invalid_selector");
      assert.match(e.message, fix);
      assert.doesNotMatch(e.message, /mismatched input|<EOF>/);
    }
  });

  it("missing required keys say what to add", () => {
    const errs = errors("cores: 2");
    assert.deepEqual(
      errs.map((e) => [e.code, e.path]),
      [
        ["missing", "memory"],
        ["missing", "disk_size"],
        ["missing", "storage_selector"],
      ],
    );
    assert.match(errs[2]?.message ?? "", /add storage_selector: name == "local-lvm"/);
  });

  it("reports shape errors and selector errors together", () => {
    const errs = errors("memory: 10\ndisk_size: 40\nstorage_selector: local-lvm");
    assert.deepEqual(
      errs.map((e) => e.path),
      ["memory", "storage_selector"],
    );
  });

  it("rejects providerdata larger than 64 KiB before parsing", () => {
    const big = `${BASE}tags: [${Array.from({ length: 40000 }, () => "t").join(",")}]`;
    assert.ok(big.length > MAX_PROVIDER_DATA_BYTES);
    const errs = errors(big);
    assert.equal(errs[0]?.code, "too_large");
  });

  it("rejects YAML syntax errors, non-mappings and duplicate keys", () => {
    assert.equal(errors("cores: [1")[0]?.code, "syntax");
    assert.equal(errors("- 1\n- 2")[0]?.code, "not_a_mapping");
    assert.equal(errors("42")[0]?.code, "not_a_mapping");
    assert.equal(errors(`${BASE}cores: 1\ncores: 2`)[0]?.code, "syntax");
  });

  it("warns (does not fail) where the Go provider silently ignored a key", () => {
    const r = parseProviderData(`${BASE}network_mtu: 1450\nhugepages: any`);
    assert.ok(r.ok);
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.path]),
      [
        ["needs_root_password", "hugepages"],
        ["no_effect", "network_mtu"],
      ],
    );
  });
});

describe("providerdata: static networking is validated up front", () => {
  const NET = "network_subnet: 192.168.26.0/24\n";
  const cases: [string, string, string][] = [
    ["network_subnet: 192.168.26.0\nnetwork_ip: 192.168.26.3", "invalid_value", "network_subnet"],
    [`${NET}network_gateway: 192.168.26.1`, "missing", "network_ip"],
    [
      `${NET}network_ip: 192.168.26.3\nnetwork_base_ip: 192.168.26.10\nvmid_range: 5300-5310`,
      "conflict",
      "network_base_ip",
    ],
    [`${NET}network_base_ip: 192.168.26.10`, "missing", "vmid_range"],
    [`${NET}network_ip: 192.168.27.3`, "outside_subnet", "network_ip"],
    [`${NET}network_ip: 192.168.26.0`, "invalid_value", "network_ip"],
    [`${NET}network_ip: 192.168.26.255`, "invalid_value", "network_ip"],
    [`${NET}network_ip: 2001:db8::3`, "family_mismatch", "network_ip"],
    [
      `${NET}network_ip: 192.168.26.3\nnetwork_nameservers: [2001:4860:4860::8888]`,
      "family_mismatch",
      "network_nameservers[0]",
    ],
    [`${NET}network_ip: 192.168.26.3\nnetwork_gateway: 10.0.0.1`, "outside_subnet", "network_gateway"],
    [`${NET}network_ip: 192.168.26.300`, "invalid_value", "network_ip"],
    [`${NET}network_base_ip: 192.168.26.250\nvmid_range: 5300-5310`, "outside_subnet", "vmid_range"],
    ["network_subnet: 2001:db8::/64\nnetwork_ip: 2001:db8::5\nnetwork_mtu: 1280", "", ""],
    ["network_subnet: 2001:db8::/64\nnetwork_ip: 2001:db8::5\nnetwork_mtu: 1000", "too_small", "network_mtu"],
    ["network_mtu: 500\nnetwork_subnet: 10.0.0.0/8\nnetwork_ip: 10.0.0.2", "too_small", "network_mtu"],
    [`${NET}network_base_ip: 192.168.26.200\nvmid_range: 5300-5354`, "", ""],
    [`${NET}network_base_ip: 192.168.26.200\nvmid_range: 5300-5355`, "outside_subnet", "vmid_range"],
  ];
  for (const [extra, code, path] of cases) {
    it(`${extra.replace(/\n/g, " | ")} → ${code || "ok"}`, () => {
      if (code === "") {
        ok(BASE + extra);
        return;
      }
      const found = errors(BASE + extra).find((e) => e.path === path);
      assert.ok(found, JSON.stringify(errors(BASE + extra)));
      assert.equal(found.code, code);
    });
  }
});

describe("providerdata: published JSON Schema and key table", () => {
  it("the JSON Schema lists every key, rejects unknown keys and shows defaults", () => {
    const schema = JSON.parse(providerDataJsonSchema()) as {
      properties: Record<string, { default?: unknown; enum?: unknown[] }>;
      required: string[];
      additionalProperties: boolean;
    };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required.sort(), ["disk_size", "memory", "storage_selector"]);
    assert.equal(schema.properties.network_bridge?.default, "vmbr0");
    assert.equal(schema.properties.cpu_type?.default, "x86-64-v2-AES");
    assert.deepEqual(schema.properties.placement_strategy?.enum, ["spread", "fewer-vms", "round-robin", "binpack"]);
  });

  it("the docs table covers exactly the schema's keys", () => {
    const documented = PROVIDER_DATA_KEYS.map((k) => k.key.replace("[]", "")).sort();
    assert.deepEqual(documented, Object.keys(providerDataSchema.shape).sort());
  });
});

describe("providerdata: README", () => {
  it("the README key table lists every key", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    for (const k of PROVIDER_DATA_KEYS) assert.ok(readme.includes(`| \`${k.key}\``), `README lacks ${k.key}`);
  });
});
