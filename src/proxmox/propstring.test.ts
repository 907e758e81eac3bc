import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProxmoxError } from "./errors.ts";
import {
  decodePropertyString,
  decodeSmbios1,
  encodePropertyString,
  encodeSmbios1,
  formatForConfigKey,
  PROPERTY_STRING_FORMATS,
  type PropertyStringFormat,
  parsePropertyBoolean,
} from "./propstring.ts";

/** Canonical strings as Proxmox writes them into VM configs; each must survive decode → encode unchanged. */
const CANONICAL: [PropertyStringFormat, string][] = [
  ["scsi", "vm_ssd:vm-101-disk-0,size=100G,ssd=1"],
  ["scsi", "local-lvm:vm-101-disk-0,discard=on,iothread=1,size=32G,ssd=1"],
  ["scsi", "local-lvm:32,aio=io_uring,cache=writeback"],
  ["ide", "local:iso/talos.iso,media=cdrom,size=104M"],
  ["ide", "none,media=cdrom"],
  ["sata", "local-lvm:vm-101-disk-1,size=8G"],
  ["virtio", "local-lvm:vm-101-disk-2,iothread=1,size=8G"],
  ["efidisk", "local-lvm:vm-101-disk-3,efitype=4m,pre-enrolled-keys=0,size=4M"],
  ["tpmstate", "local-lvm:vm-101-disk-4,size=4M,version=v2.0"],
  ["net", "virtio=BC:24:11:2E:4F:01,bridge=vmbr0,firewall=1,tag=20"],
  ["net", "e1000,bridge=vmbr1"],
  ["hostpci", "mapping=gpu0,pcie=1,x-vga=1"],
  ["hostpci", "0000:01:00.0,pcie=1,rombar=0"],
  ["usb", "mapping=dongle,usb3=1"],
  ["smbios1", "uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77"],
  ["smbios1", "base64=1,serial=dGFsb3MtMQ==,uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77"],
  ["agent", "1,fstrim_cloned_disks=1,type=virtio"],
  ["cpu", "x86-64-v2-AES,flags=+aes;-pcid"],
  ["memory", "4096"],
  ["machine", "q35,viommu=virtio"],
  ["numa", "cpus=0-3,hostnodes=0,memory=4096,policy=bind"],
  ["vga", "serial0"],
  ["boot", "order=scsi0;ide2;net0"],
  ["ipconfig", "gw=10.0.0.1,ip=10.0.0.10/24"],
  ["cicustom", "user=local:snippets/user.yaml"],
  ["rng", "/dev/urandom,max_bytes=1024,period=1000"],
  ["startup", "1,up=30"],
];

describe("property strings", () => {
  it("decodes a drive with its default key", () => {
    assert.deepEqual(decodePropertyString("scsi", "vm_ssd:vm-101-disk-0,size=100G,ssd=1"), {
      file: "vm_ssd:vm-101-disk-0",
      size: "100G",
      ssd: "1",
    });
  });

  it("decodes a net device's model=mac pair", () => {
    assert.deepEqual(decodePropertyString("net", "virtio=BC:24:11:2E:4F:01,bridge=vmbr0,firewall=1"), {
      model: "virtio",
      macaddr: "BC:24:11:2E:4F:01",
      bridge: "vmbr0",
      firewall: "1",
    });
  });

  it("folds aliases to the canonical key", () => {
    assert.deepEqual(decodePropertyString("scsi", "volume=local-lvm:vm-1-disk-0,iops_rd_length=3"), {
      file: "local-lvm:vm-1-disk-0",
      iops_rd_max_length: "3",
    });
  });

  for (const [format, text] of CANONICAL) {
    it(`round-trips ${format}: ${text}`, () => {
      assert.equal(encodePropertyString(format, decodePropertyString(format, text)), text);
    });
  }

  it("encodes in canonical order with booleans as 1/0", () => {
    assert.equal(
      encodePropertyString("scsi", { ssd: true, iothread: 1, file: "local-lvm:32", discard: "on", backup: false }),
      "local-lvm:32,backup=0,discard=on,iothread=1,ssd=1",
    );
    assert.equal(
      encodePropertyString("net", { tag: 20, bridge: "vmbr0", model: "virtio", firewall: true }),
      "virtio,bridge=vmbr0,firewall=1,tag=20",
    );
    assert.equal(encodePropertyString("hostpci", { mapping: "gpu0", pcie: true }), "mapping=gpu0,pcie=1");
  });

  it("rejects unknown keys, duplicates, bare values without a default key and commas in values", () => {
    const bad: [PropertyStringFormat, string][] = [
      ["scsi", "local-lvm:32,bogus=1"],
      ["scsi", "local-lvm:32,ssd=1,ssd=0"],
      ["smbios1", "abc"],
      ["net", "bridge=vmbr0,virtio"],
      ["ide", "a,,b"],
    ];
    for (const [format, text] of bad) {
      assert.throws(
        () => decodePropertyString(format, text),
        (e: unknown) => e instanceof ProxmoxError && e.code === "invalid_params",
        `${format} ${text}`,
      );
    }
    assert.throws(() => encodePropertyString("scsi", { file: "a", serial: "x,y" }), ProxmoxError);
    assert.throws(() => encodePropertyString("net", { bridge: "vmbr0" }), ProxmoxError);
    assert.throws(() => encodePropertyString("agent", { enabled: 1, nope: 1 }), ProxmoxError);
  });

  it("base64-encodes smbios1 text fields", () => {
    const text = encodeSmbios1({
      uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77",
      manufacturer: "Sidero, Inc.",
      serial: "talos-1",
    });
    assert.equal(
      text,
      "base64=1,manufacturer=U2lkZXJvLCBJbmMu,serial=dGFsb3MtMQ==,uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77",
    );
    assert.deepEqual(decodeSmbios1(text), {
      uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77",
      manufacturer: "Sidero, Inc.",
      serial: "talos-1",
    });
    assert.equal(
      encodeSmbios1({ uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77" }),
      "uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77",
    );
    assert.deepEqual(decodeSmbios1("serial=plain"), { serial: "plain" });
  });

  it("maps config keys to formats", () => {
    assert.equal(formatForConfigKey("scsi12"), "scsi");
    assert.equal(formatForConfigKey("cdrom"), "ide");
    assert.equal(formatForConfigKey("net3"), "net");
    assert.equal(formatForConfigKey("efidisk0"), "efidisk");
    assert.equal(formatForConfigKey("smbios1"), "smbios1");
    assert.equal(formatForConfigKey("cores"), undefined);
    for (const f of PROPERTY_STRING_FORMATS) assert.equal(typeof f, "string");
  });

  it("parses property-string booleans", () => {
    for (const t of ["1", "yes", "on", "TRUE"]) assert.equal(parsePropertyBoolean(t), true);
    for (const f of ["0", "no", "off", "false"]) assert.equal(parsePropertyBoolean(f), false);
    assert.throws(() => parsePropertyBoolean("maybe"), ProxmoxError);
  });
});
