import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadApiSchema, validateRequest } from "../../lab/pve/schema/index.ts";
import { buildVmSpec, cidataDrive, encodeVmConfig } from "./build.ts";
import { seedInput } from "./testing/fixtures.ts";
import type { VmProviderData, VmSpecInput } from "./types.ts";

/**
 * Every parameter we send must pass the official PVE 9.1 schema (shared/proxmox/apidata.json), checked
 * by the same validator the simulator uses: names, types, enums, patterns, formats and property-string
 * sub-keys.
 */
const schema = loadApiSchema();

const variants: Array<[string, Partial<VmProviderData>, Partial<VmSpecInput>?]> = [
  ["seed control plane", {}],
  [
    "every disk option",
    { disk_iothread: true, disk_cache: "none", disk_aio: "native", disk_ssd: true, disk_discard: true },
  ],
  [
    "ovmf on q35 with serial console",
    { bios: "ovmf", machine_type: "q35", vga: "serial0", numa: true, balloon: false },
  ],
  ["pinned machine version, virtio display", { machine_type: "pc-q35-9.2+pve1", vga: "virtio", cpu_type: "host" }],
  [
    "VLAN, firewall off, pool, user tags",
    { vlan: 4094, network_firewall: false, pool: "omni", tags: ["prod", "k8s_v1.31"] },
  ],
  [
    "additional disks and NICs",
    {
      additional_disks: [{ disk_size: 200, disk_cache: "writethrough", disk_aio: "threads" }],
      additional_nics: [{ bridge: "vmbr1", vlan: 30, firewall: true }, { bridge: "vmbr2" }],
    },
    {
      placement: {
        node: "golf",
        diskStorage: "local-lvm",
        isoVolume: "local:iso/a.iso",
        additionalDiskStorages: ["vm_containers"],
      },
    },
  ],
  [
    "PCI and USB passthrough",
    {
      machine_type: "q35",
      pci_devices: [
        { mapping: "nvidia-gpu-1", pcie: true, primary_gpu: true, rombar: false },
        { mapping: "vgpu", mdev: "nvidia-180" },
        { id: "0000:01:00.0", rombar: true },
      ],
      usb_devices: [{ mapping: "rtl-sdr", usb3: true }, { host: "1d6b:0002" }, { host: "spice" }],
    },
  ],
  ["hugepages", { hugepages: "any" }, { identity: { kind: "password", user: "root@pam" } }],
  [
    "cidata attached at create",
    {},
    {
      placement: {
        node: "hotel",
        diskStorage: "vm_ssd",
        isoVolume: "local:iso/t.iso",
        cidataVolume: "local:iso/cidata-1001.iso",
      },
    },
  ],
  ["Proxmox-generated MACs", { additional_nics: [{ bridge: "vmbr1" }] }, { mac: null }],
];

describe("VM spec against the Proxmox API schema", () => {
  for (const [label, data, extra] of variants) {
    test(`POST /nodes/{node}/qemu is valid: ${label}`, () => {
      const spec = buildVmSpec(seedInput(data, extra));
      const violations = validateRequest(schema, "POST", `/nodes/${spec.node}/qemu`, spec.params);
      assert.deepEqual(violations, []);
    });
  }

  test("the validator is strict enough to catch a bad value (the check can fail)", () => {
    const spec = buildVmSpec(seedInput());
    const broken = { ...spec.params, scsi0: `${spec.params.scsi0},bogus=1`, ostype: "linux" };
    const params = validateRequest(schema, "POST", `/nodes/${spec.node}/qemu`, broken).map((v) => v.param);
    assert.deepEqual(params.sort(), ["ostype", "scsi0"]);
  });

  test("attaching the cidata drive later is a valid config update", () => {
    const params = encodeVmConfig(cidataDrive("local:iso/cidata-1001.iso"));
    assert.deepEqual(validateRequest(schema, "POST", "/nodes/foxtrot/qemu/1001/config", params), []);
  });
});
