import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BOOT_ORDER, buildVmSpec, cidataDrive, encodeVmConfig } from "./build.ts";
import { isVmSpecError } from "./errors.ts";
import { stableMac } from "./mac.ts";
import { readVmMarks } from "./marks.ts";
import { machineUuid, requestId, seedInput } from "./testing/fixtures.ts";
import type { VmSpecInput } from "./types.ts";

describe("buildVmSpec", () => {
  test("the seed's control-plane class becomes the expected create parameters", () => {
    const spec = buildVmSpec(seedInput());
    const mac = stableMac(requestId);
    assert.equal(spec.node, "foxtrot");
    assert.deepEqual(spec.params, {
      vmid: 1001,
      name: requestId,
      description: spec.params.description,
      tags: `omni-provider.matrix-cluster;omni-proxmox;omni-request.${requestId}`,
      smbios1: `uuid=${machineUuid}`,
      agent: "1",
      ostype: "l26",
      onboot: 1,
      cpu: "x86-64-v2-AES",
      sockets: 1,
      cores: 4,
      memory: "16384",
      scsihw: "virtio-scsi-single",
      scsi0: "vm_ssd:100,discard=on,ssd=1",
      ide2: "local:iso/3f1c9a.iso,media=cdrom",
      boot: `order=${BOOT_ORDER}`,
      net0: `virtio=${mac},bridge=vmbr0,firewall=1`,
    });
    assert.deepEqual(spec.macs, [mac]);
  });

  test("the description and tags carry our marks, readable back", () => {
    const spec = buildVmSpec(seedInput({}, { description: "cluster talos-prod-01" }));
    const marks = readVmMarks({ description: String(spec.params.description), tags: String(spec.params.tags) });
    assert.deepEqual(marks, { providerId: "matrix-cluster", requestId, machineUuid });
    assert.match(String(spec.params.description), /\n\ncluster talos-prod-01$/);
  });

  test("disk options, cpu type, NUMA, balloon off, machine, VGA with its serial port", () => {
    const spec = buildVmSpec(
      seedInput({
        disk_iothread: true,
        disk_cache: "writeback",
        disk_aio: "io_uring",
        cpu_type: "host",
        numa: true,
        balloon: false,
        machine_type: "q35",
        vga: "serial0",
        vlan: 20,
        network_firewall: false,
        pool: "omni",
        tags: ["Talos", "prod"],
      }),
    );
    assert.equal(spec.params.scsi0, "vm_ssd:100,aio=io_uring,cache=writeback,discard=on,iothread=1,ssd=1");
    assert.equal(spec.params.cpu, "host");
    assert.equal(spec.params.numa, 1);
    assert.equal(spec.params.balloon, 0);
    assert.equal(spec.params.machine, "q35");
    assert.equal(spec.params.vga, "serial0");
    assert.equal(spec.params.serial0, "socket");
    assert.equal(spec.params.pool, "omni");
    assert.match(String(spec.params.net0), /,firewall=0,/);
    assert.match(String(spec.params.net0), /,tag=20$/);
    assert.equal(
      spec.params.tags,
      `omni-provider.matrix-cluster;omni-proxmox;omni-request.${requestId};prod;talos`,
      "user tags lower-cased and sorted with ours",
    );
  });

  test("balloon left to Proxmox unless disabled; NUMA only when asked", () => {
    const spec = buildVmSpec(seedInput({ balloon: true, numa: false }));
    assert.equal(spec.params.balloon, undefined);
    assert.equal(spec.params.numa, undefined);
  });

  test("OVMF gets an EFI vars disk on the disk storage (or the one placement chose)", () => {
    assert.equal(buildVmSpec(seedInput({ bios: "ovmf" })).params.efidisk0, "vm_ssd:1,efitype=4m,pre-enrolled-keys=0");
    const elsewhere = seedInput({ bios: "ovmf" });
    const placed = { ...elsewhere, placement: { ...elsewhere.placement, efiStorage: "local-lvm" } };
    assert.equal(buildVmSpec(placed).params.efidisk0, "local-lvm:1,efitype=4m,pre-enrolled-keys=0");
    assert.equal(buildVmSpec(seedInput()).params.efidisk0, undefined);
  });

  test("additional disks land on their placed storages as scsi1…", () => {
    const input = seedInput({
      additional_disks: [
        { disk_size: 200, storage_selector: 'name == "vm_containers"', disk_ssd: true },
        { disk_size: 50, disk_iothread: true },
      ],
    });
    const spec = buildVmSpec({
      ...input,
      placement: { ...input.placement, additionalDiskStorages: ["vm_containers", "local-lvm"] },
    });
    assert.equal(spec.params.scsi1, "vm_containers:200,ssd=1");
    assert.equal(spec.params.scsi2, "local-lvm:50,iothread=1");
  });

  test("additional NICs get their own stable MACs; firewall off by default", () => {
    const spec = buildVmSpec(
      seedInput({
        additional_nics: [
          { bridge: "vmbr1", vlan: 30 },
          { bridge: "vmbr2", firewall: true },
        ],
      }),
    );
    assert.equal(spec.params.net1, `virtio=${stableMac(requestId, 1)},bridge=vmbr1,firewall=0,tag=30`);
    assert.equal(spec.params.net2, `virtio=${stableMac(requestId, 2)},bridge=vmbr2,firewall=1`);
    assert.equal(new Set(spec.macs).size, 3);
  });

  test("an explicit MAC wins; null or stable_mac: false lets Proxmox generate them", () => {
    assert.match(
      String(buildVmSpec(seedInput({}, { mac: "02:00:00:00:00:01" })).params.net0),
      /^virtio=02:00:00:00:00:01,/,
    );
    const generated = buildVmSpec(seedInput({ additional_nics: [{ bridge: "vmbr1" }] }, { mac: null }));
    assert.equal(generated.params.net0, "virtio,bridge=vmbr0,firewall=1");
    assert.deepEqual(generated.macs, [undefined, undefined]);
    const optedOut = buildVmSpec(seedInput({ stable_mac: false, additional_nics: [{ bridge: "vmbr1" }] }));
    assert.deepEqual(optedOut.macs, [undefined, undefined]);
    const explicitWithExtras = buildVmSpec(
      seedInput({ additional_nics: [{ bridge: "vmbr1" }] }, { mac: "02:00:00:00:00:01" }),
    );
    assert.deepEqual(explicitWithExtras.macs, ["02:00:00:00:00:01", stableMac(requestId, 1)]);
  });

  test("PCI: mapping, mdev, pcie, primary GPU — and rombar: false really writes rombar=0", () => {
    const spec = buildVmSpec(
      seedInput({
        pci_devices: [
          { mapping: "nvidia-gpu-1", pcie: true, primary_gpu: true, rombar: false },
          { mapping: "nvidia-vgpu", mdev: "nvidia-180" },
          { mapping: "nic-vf", rombar: true },
        ],
      }),
    );
    assert.equal(spec.params.hostpci0, "mapping=nvidia-gpu-1,pcie=1,rombar=0,x-vga=1");
    assert.equal(spec.params.hostpci1, "mapping=nvidia-vgpu,mdev=nvidia-180");
    assert.equal(spec.params.hostpci2, "mapping=nic-vf,rombar=1");
  });

  test("raw PCI IDs and USB devices are expressed (the root-only check is separate)", () => {
    const spec = buildVmSpec(
      seedInput({
        pci_devices: [{ id: "0000:01:00.0" }],
        usb_devices: [{ mapping: "rtl-sdr", usb3: true }, { host: "1d6b:0002" }],
      }),
    );
    assert.equal(spec.params.hostpci0, "0000:01:00.0");
    assert.equal(spec.params.usb0, "mapping=rtl-sdr,usb3=1");
    assert.equal(spec.params.usb1, "1d6b:0002");
  });

  test("hugepages passes through as the enum string", () => {
    assert.equal(buildVmSpec(seedInput({ hugepages: "1024" })).params.hugepages, "1024");
  });

  test("the cidata ISO is attached at create when it exists, else by cidataDrive later", () => {
    const input = seedInput();
    const spec = buildVmSpec({
      ...input,
      placement: { ...input.placement, cidataVolume: "local:iso/cidata-1001.iso" },
    });
    assert.equal(spec.params.ide3, "local:iso/cidata-1001.iso,media=cdrom");
    assert.equal(buildVmSpec(input).params.ide3, undefined);
    assert.deepEqual(encodeVmConfig(cidataDrive("local:iso/cidata-1001.iso")), {
      ide3: "local:iso/cidata-1001.iso,media=cdrom",
    });
    assert.ok(!String(spec.params.boot).includes("ide3"), "cidata is not a boot device");
  });

  test("is deterministic", () => {
    assert.deepEqual(buildVmSpec(seedInput()), buildVmSpec(seedInput()));
  });

  test("rejects what the VM cannot express, naming the field", () => {
    const base = seedInput();
    const cases: Array<[VmSpecInput, string]> = [
      [{ ...base, vmid: 99 }, "vmid"],
      [{ ...base, machineUuid: "not-a-uuid" }, "machineUuid"],
      [{ ...base, placement: { ...base.placement, node: "bad node" } }, "placement.node"],
      [{ ...base, placement: { ...base.placement, diskStorage: "x" } }, "placement.diskStorage"],
      [{ ...base, placement: { ...base.placement, isoVolume: "talos.iso" } }, "placement.isoVolume"],
      [seedInput({ cores: 0 }), "cores"],
      [seedInput({ memory: 8 }), "memory"],
      [seedInput({ disk_size: 1.5 }), "disk_size"],
      [seedInput({ vlan: 4095 }), "vlan"],
      [seedInput({ network_bridge: "vmbr0,tag=5" }), "network_bridge"],
      [seedInput({ additional_nics: [{ bridge: "vmbr1", vlan: 5000 }] }), "additional_nics[0].vlan"],
      [seedInput({ additional_disks: [{ disk_size: 10 }] }), "placement.additionalDiskStorages[0]"],
      [seedInput({ pci_devices: [{}] }), "pci_devices[0]"],
      [seedInput({ pci_devices: [{ mapping: "gpu", id: "01:00.0" }] }), "pci_devices[0]"],
      [seedInput({ pci_devices: [{ id: "gpu0" }] }), "pci_devices[0].id"],
      [seedInput({ usb_devices: [{}] }), "usb_devices[0]"],
      [seedInput({ tags: ["bad tag"] }), "tags[0]"],
      [seedInput({ cpu_type: "host,flags=+aes" }), "cpu_type"],
      [seedInput({}, { mac: "01:00:00:00:00:01" }), "mac"],
    ];
    for (const [input, field] of cases) {
      assert.throws(
        () => buildVmSpec(input),
        (err: unknown) => isVmSpecError(err, "invalid_vm_input") && err.field === field,
        field,
      );
    }
  });
});
