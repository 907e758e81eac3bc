/** locateRequestVms against the Proxmox simulator: marks are authoritative, VMs are found on any node. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type PveSimulator, startPveSimulator } from "../../lab/pve/index.ts";
import { ProxmoxClient } from "../../proxmox/index.ts";
import { vmDescription, vmTags } from "../vmspec/index.ts";
import { locateRequestVms } from "./locate.ts";

const TASK = { timeoutMs: 10_000, pollMs: 2, maxPollMs: 20 };
const UUID = "0b6d1c9e-1111-4000-8000-000000000001";

describe("locateRequestVms", () => {
  let sim: PveSimulator;
  let pve: ProxmoxClient;
  before(async () => {
    sim = await startPveSimulator({ timeFactor: 0.01 });
    pve = new ProxmoxClient({ url: sim.url, token: sim.tokens.admin.full, caFile: sim.caFile });
    const marks = { providerId: "matrix", requestId: "req-1", machineUuid: UUID };
    const create = async (vmid: number, params: Record<string, string | number>) =>
      pve.waitForTask(await pve.createVm("golf", { vmid, memory: 512, ...params }), TASK);
    await create(801, { tags: vmTags(marks).join(";"), description: vmDescription(marks), smbios1: `uuid=${UUID}` });
    // Tags of req-1 but a description naming req-9 (cloned and edited): the description is authoritative.
    await create(802, { tags: vmTags(marks).join(";"), description: vmDescription({ ...marks, requestId: "req-9" }) });
    // Another provider's VM for a request of the same name.
    const other = { ...marks, providerId: "other" };
    await create(803, { tags: vmTags(other).join(";"), description: vmDescription(other) });
    // A Go-provider VM: no marks, known only from the state (VMID + SMBIOS UUID).
    await create(804, { smbios1: "uuid=5c3f7a4e-2b1d-4e8f-9a6b-0d1c2e3f4a5b" });
  });
  after(async () => {
    await pve.close();
    await sim.close();
  });

  test("finds the request's VM by its marks, wherever it moved", async () => {
    sim.admin.moveVm(801, "hotel");
    const found = await locateRequestVms(pve, { providerId: "matrix", requestId: "req-1", vmid: 0, uuid: "" });
    assert.deepEqual(
      found.map((vm) => [vm.vmid, vm.node, vm.via]),
      [[801, "hotel", "marks"]],
    );
  });

  test("recognises a Go-provider VM only when VMID and SMBIOS UUID both match the state", async () => {
    const input = { providerId: "matrix", requestId: "go-req", vmid: 804 };
    assert.deepEqual(
      (await locateRequestVms(pve, { ...input, uuid: "5C3F7A4E-2B1D-4E8F-9A6B-0D1C2E3F4A5B" })).map((vm) => vm.via),
      ["state"],
    );
    assert.deepEqual(await locateRequestVms(pve, { ...input, uuid: UUID }), []);
  });

  test("a VMID in the state that now belongs to another request's VM is not taken", async () => {
    assert.deepEqual(
      await locateRequestVms(pve, { providerId: "matrix", requestId: "req-2", vmid: 801, uuid: UUID }),
      [],
    );
  });
});
