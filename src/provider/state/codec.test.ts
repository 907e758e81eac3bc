import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { emptyMachineState, MachineStateSchema, machineStateCodec, reservedVolume } from "./index.ts";

/** Field numbers present in encoded bytes, in order. */
function fieldNumbers(bytes: Uint8Array): number[] {
  const r = new BinaryReader(bytes);
  const out: number[] = [];
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    out.push(field);
    r.skip(wire);
  }
  return out;
}

describe("machine state codec", () => {
  test("the Go provider's fields keep their numbers (1-8, 11-14)", () => {
    const state = emptyMachineState();
    Object.assign(state, {
      uuid: "u",
      schematic: "s",
      talosVersion: "v1.11.6",
      volumeId: "local:iso/x.iso",
      node: "golf",
      volumeUploadTask: "UPID:a",
      vmCreateTask: "UPID:b",
      vmStartTask: "UPID:c",
      vmid: 1042,
      pool: "omni",
      haRegistered: true,
      startAttempts: 3,
    });
    assert.deepEqual(fieldNumbers(machineStateCodec.encode(state)), [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14]);
  });

  test("each Go provider field has the Go provider's number (issue 5 acceptance 7)", () => {
    const numbers = Object.fromEntries(MachineStateSchema.fields.map((f) => [f.name, f.number]));
    assert.deepEqual(
      {
        uuid: numbers.uuid,
        schematic: numbers.schematic,
        talos_version: numbers.talos_version,
        volume_id: numbers.volume_id,
        node: numbers.node,
        volume_upload_task: numbers.volume_upload_task,
        vm_create_task: numbers.vm_create_task,
        vm_start_task: numbers.vm_start_task,
        vmid: numbers.vmid,
      },
      {
        uuid: 1,
        schematic: 2,
        talos_version: 3,
        volume_id: 4,
        node: 5,
        volume_upload_task: 6,
        vm_create_task: 7,
        vm_start_task: 8,
        vmid: 11,
      },
    );
  });

  test("our additions are numbered from 100", () => {
    const ours = MachineStateSchema.fields.filter((f) => f.number > 14);
    assert.ok(ours.length > 10);
    for (const f of ours) assert.ok(f.number >= 100, `${f.name} = ${f.number}`);
  });

  test("round-trips every field, including the reservation", () => {
    const state = emptyMachineState();
    state.vmid = 501;
    state.requestSetId = "talos-prod-01-workers";
    state.reservedMemoryBytes = 8n * 1024n ** 3n;
    state.reservedVolumes = [reservedVolume({ storage: "vm_ssd", node: "golf", shared: true, bytes: 50 * 1024 ** 3 })];
    const decoded = machineStateCodec.decode(machineStateCodec.encode(state));
    assert.equal(decoded.vmid, 501);
    assert.equal(decoded.reservedMemoryBytes, 8n * 1024n ** 3n);
    assert.equal(decoded.reservedVolumes[0]?.bytes, BigInt(50 * 1024 ** 3));
    assert.match(machineStateCodec.toYaml?.(decoded) ?? "", /"vmid": 501/);
  });

  test("empty bytes decode to the empty state", () => {
    assert.equal(machineStateCodec.decode(new Uint8Array()).vmid, 0);
  });
});
