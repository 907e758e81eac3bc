import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadApiSchema, validateRequest } from "../../lab/pve/schema/index.ts";
import { parseProviderData } from "../providerdata/parse.ts";
import { buildVmSpec } from "./build.ts";
import { explainRootOnlyOptions } from "./root-only.ts";
import { seedInput } from "./testing/fixtures.ts";
import type { VmProviderData } from "./types.ts";

/** Parsed providerdata (the providerdata module's type) feeds buildVmSpec unchanged. */
function parsed(yaml: string): VmProviderData {
  const result = parseProviderData(yaml);
  assert.ok(result.ok, result.ok ? "" : result.errors.map((e) => e.message).join("\n"));
  return result.data; // compile-time proof: ProviderData is assignable to VmProviderData
}

const schema = loadApiSchema();

describe("providerdata → VM spec", () => {
  test("the seed's matrix-control-plane class", () => {
    const data = parsed(
      [
        "cores: 4",
        "sockets: 1",
        "memory: 16384",
        "disk_size: 100",
        "network_bridge: vmbr0",
        'storage_selector: name == "vm_ssd"',
      ].join("\n"),
    );
    const spec = buildVmSpec({ ...seedInput(), data });
    assert.equal(spec.params.cores, 4);
    assert.equal(spec.params.memory, "16384");
    assert.equal(spec.params.scsi0, "vm_ssd:100");
    assert.equal(spec.params.cpu, "x86-64-v2-AES");
    assert.match(String(spec.params.net0), /,bridge=vmbr0,firewall=1$/);
    assert.deepEqual(validateRequest(schema, "POST", `/nodes/${spec.node}/qemu`, spec.params), []);
  });

  test("a class using every VM-shaping key validates against the Proxmox schema", () => {
    const data = parsed(
      [
        "cores: 8",
        "sockets: 2",
        "memory: 32768",
        "disk_size: 120",
        'storage_selector: name == "vm_ssd"',
        "disk_ssd: true",
        "disk_discard: true",
        "disk_iothread: true",
        "disk_cache: writeback",
        "disk_aio: io_uring",
        "cpu_type: host",
        "machine_type: q35",
        "numa: true",
        "balloon: false",
        "bios: ovmf",
        "vga: serial0",
        "network_bridge: vmbr1",
        "vlan: 20",
        "network_firewall: false",
        "tags: [gpu, prod]",
        "additional_disks:",
        '  - storage_selector: name == "vm_containers"',
        "    disk_size: 500",
        "    disk_ssd: true",
        "additional_nics:",
        "  - bridge: vmbr2",
        "    vlan: 30",
        "pci_devices:",
        "  - mapping: nvidia-gpu-1",
        "    pcie: true",
        "    primary_gpu: true",
        "    rombar: false",
        "usb_devices:",
        "  - mapping: zigbee-controller",
        "    usb3: true",
      ].join("\n"),
    );
    const base = seedInput();
    const spec = buildVmSpec({
      ...base,
      data,
      placement: { ...base.placement, additionalDiskStorages: ["vm_containers"] },
    });
    assert.match(String(spec.params.hostpci0), /rombar=0/);
    assert.deepEqual(validateRequest(schema, "POST", `/nodes/${spec.node}/qemu`, spec.params), []);
    assert.deepEqual(explainRootOnlyOptions(data, { kind: "token", tokenId: "omni@pve!p" }), []);
  });
});
