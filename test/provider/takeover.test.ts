/**
 * Acceptance 7: our state resource keeps the Go provider's MachineSpec field numbers, so a machine
 * whose state the Go provider (omni-infra-provider-proxmox) wrote is taken over: its VM is adopted
 * (not duplicated), given our marks and a NoCloud image, started, and later deprovisioned.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { fakeIsoBytes } from "../../src/lab/factory/index.ts";
import { machineStateCodec } from "../../src/provider/state/index.ts";
import {
  adminPve,
  isProvisioned,
  ourVms,
  PROVIDER_ID,
  prop,
  requestMachine,
  startWorld,
  statuses,
  tearDown,
  vmOf,
  type World,
  waitFor,
} from "./harness.ts";

const REQUEST = "talos-go-workers-gqx7kp";
const UUID = "5c3f7a4e-2b1d-4e8f-9a6b-0d1c2e3f4a5b";
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const VMID = 7001;

/** MachineSpec as the Go provider serialises it: field numbers from its api/specs/specs.proto. */
function goMachineSpec(): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(UUID);
  w.tag(2, WireType.LengthDelimited).string(SCHEMATIC);
  w.tag(3, WireType.LengthDelimited).string("v1.11.6");
  w.tag(4, WireType.LengthDelimited).string(`local:iso/${SCHEMATIC}.iso`);
  w.tag(5, WireType.LengthDelimited).string("golf");
  w.tag(7, WireType.LengthDelimited).string("UPID:golf:00001234:00005678:6740A1B2:qmcreate:7001:omni@pve!provider:");
  w.tag(11, WireType.Varint).int32(VMID);
  w.tag(12, WireType.LengthDelimited).string("omni");
  w.tag(13, WireType.Varint).bool(false);
  w.tag(14, WireType.Varint).int32(1);
  return w.finish();
}

describe("taking over a machine the Go provider created", () => {
  let world: World;
  before(async () => {
    world = await startWorld({ startProvider: false });
    const pve = adminPve(world);
    try {
      const iso = fakeIsoBytes(SCHEMATIC, "v1.11.6", "nocloud-amd64.iso");
      await pve.waitForTask(
        await pve.upload("golf", "local", {
          content: "iso",
          filename: `${SCHEMATIC}.iso`,
          source: { stream: Readable.from([iso]), size: iso.length },
        }),
      );
      // The VM as the Go provider created it: its own name and tags, our UUID in smbios1, none of our marks.
      await pve.waitForTask(
        await pve.createVm("golf", {
          vmid: VMID,
          name: REQUEST,
          smbios1: `uuid=${UUID}`,
          cdrom: `local:iso/${SCHEMATIC}.iso`,
          cores: 2,
          memory: 4096,
          scsihw: "virtio-scsi-single",
          scsi0: "vm_ssd:10",
          net0: "virtio,bridge=vmbr0,firewall=1",
          tags: "machine-request.talos-go-workers",
        }),
      );
    } finally {
      await pve.close();
    }
    requestMachine(
      world,
      REQUEST,
      ["cores: 2", "memory: 4096", "disk_size: 10", 'storage_selector: name == "vm_ssd"'].join("\n"),
      "talos-go-workers",
    );
    world.omni.admin.create({
      namespace: `infra-provider:${PROVIDER_ID}`,
      type: `Machine.${PROVIDER_ID}.infraprovider.sidero.dev`,
      id: REQUEST,
      owner: `${PROVIDER_ID}.ProvisionController`,
      annotations: { "infra.omni.sidero.dev/step": "startVM" },
      protoSpec: goMachineSpec(),
    });
    await world.startProvider();
  });
  after(async () => {
    await world?.close();
  });

  test("our codec reads the Go provider's bytes field for field", () => {
    const state = machineStateCodec.decode(goMachineSpec());
    assert.equal(state.uuid, UUID);
    assert.equal(state.schematic, SCHEMATIC);
    assert.equal(state.talosVersion, "v1.11.6");
    assert.equal(state.volumeId, `local:iso/${SCHEMATIC}.iso`);
    assert.equal(state.node, "golf");
    assert.match(state.vmCreateTask, /qmcreate:7001/);
    assert.equal(state.vmid, VMID);
    assert.equal(state.pool, "omni");
    assert.equal(state.startAttempts, 1);
  });

  test("the Go VM is adopted, marked, given a NoCloud image and started — no second VM", async () => {
    await waitFor("the taken-over request provisioned", () => isProvisioned(world, REQUEST), world, 60_000);
    assert.equal(statuses(world)[REQUEST]?.id, UUID, "the machine keeps the UUID the Go provider reported");
    const vms = world.pve.admin.snapshot().vms.filter((vm) => vm.config.name === REQUEST);
    assert.equal(vms.length, 1);
    const vm = vms[0];
    assert.equal(vm?.vmid, VMID);
    assert.equal(vm?.status, "running");
    const tags = String(vm?.config.tags).split(";");
    assert.ok(
      tags.includes(`omni-request.${REQUEST}`) && tags.includes(`omni-provider.${PROVIDER_ID}`),
      tags.join(";"),
    );
    assert.match(String(prop(vm?.config ?? {}, "ide3").file), new RegExp(`cidata-${REQUEST}\\.iso$`));
    await waitFor(
      "the machine registered",
      () => world.omni.admin.get("infra-provider", "InfraMachineRegistrations.omni.sidero.dev", UUID),
      world,
    );
  });

  test("and is deprovisioned like one of ours", async () => {
    await tearDown(world, REQUEST);
    assert.equal(vmOf(world, REQUEST), undefined);
    assert.deepEqual(ourVms(world), []);
    assert.ok(
      !world.pve.admin.snapshot().volumes.some((v) => v.vmid === VMID || v.volid.includes(`cidata-${REQUEST}`)),
    );
  });
});
