/**
 * Conformance: every request the client sends while exercising every typed call is recorded twice —
 * client-side (the `onRequest` hook, parameters exactly as encoded) and server-side (the simulator's
 * JSONL trace) — and each is validated against the official PVE API schema (apidata.json): method,
 * path, parameter names, types, formats, enums and property-string sub-keys. Zero violations allowed.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadApiSchema, type ParamValue, validateRequest } from "../../src/lab/pve/schema/index.ts";
import { createVmWithFreshVmid, encodePropertyString, encodeSmbios1, VmidAllocator } from "../../src/proxmox/index.ts";
import { type Harness, startHarness } from "./harness.ts";

const NODE = "foxtrot";

interface TraceLine {
  method: string;
  path: string;
  params: Record<string, ParamValue>;
  status: number;
}

describe("conformance of every request the client sends", () => {
  let h: Harness;
  let dir: string;
  let tracePath: string;
  let files: Server;
  let filesUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "pve-conformance-"));
    tracePath = join(dir, "trace.jsonl");
    h = await startHarness({ tracePath });
    files = createServer((_req, res) => res.end(Buffer.alloc(2048, 3)));
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  after(async () => {
    await h.close();
    await new Promise<void>((resolve) => files.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("exercises every typed call", async () => {
    const pve = h.client("caFile", "provider");
    const admin = h.client("fingerprint", "admin");
    const root = h.client("caFile", "root");

    await pve.version();
    await pve.listNodes();
    await pve.nodeStatus(NODE);
    await admin.clusterStatus();
    for (const type of ["node", "vm", "storage"] as const) await pve.clusterResources(type);
    await pve.nextId();
    await pve.isVmidFree(100);
    await pve.listStorages(NODE);
    await pve.listStorages(NODE, { content: ["iso", "import"], enabled: true, storage: "local" });
    await pve.storageStatus(NODE, "local");
    await pve.listStorageContent(NODE, "local", { content: "iso" });
    await pve.listStorageContent(NODE, "vm_ssd", { vmid: 100 });

    const iso = join(dir, "user-data-777.iso");
    writeFileSync(iso, Buffer.alloc(512, 1));
    await pve.waitForTask(await pve.upload(NODE, "local", { content: "iso", source: { path: iso } }));
    await pve.getVolume(NODE, "local", "local:iso/user-data-777.iso");
    await admin.waitForTask(await admin.deleteVolume(NODE, "local", "local:iso/user-data-777.iso"));
    await pve.waitForTask(
      await pve.downloadUrl(NODE, "local", {
        url: `${filesUrl}/talos.iso`,
        filename: "talos-conformance.iso",
        content: "iso",
        checksum: createHash("sha256").update(Buffer.alloc(2048, 3)).digest("hex"),
        checksumAlgorithm: "sha256",
        verifyCertificates: true,
      }),
    );

    const allocator = new VmidAllocator(pve, { range: { min: 3000, max: 3999 } });
    const { vmid, upid } = await createVmWithFreshVmid(pve, allocator, NODE, (id) => ({
      vmid: id,
      name: "conformance",
      cores: 2,
      sockets: 1,
      memory: encodePropertyString("memory", { current: 4096 }),
      cpu: encodePropertyString("cpu", { cputype: "x86-64-v2-AES" }),
      machine: encodePropertyString("machine", { type: "q35" }),
      bios: "ovmf",
      scsihw: "virtio-scsi-single",
      scsi0: encodePropertyString("scsi", {
        file: "vm_ssd:16",
        ssd: true,
        discard: "on",
        iothread: true,
        cache: "none",
        aio: "io_uring",
      }),
      scsi1: encodePropertyString("scsi", { file: "local-lvm:4", backup: false }),
      efidisk0: encodePropertyString("efidisk", { file: "local-lvm:1", efitype: "4m", "pre-enrolled-keys": false }),
      net0: encodePropertyString("net", { model: "virtio", bridge: "vmbr0", firewall: true, tag: 30 }),
      net1: encodePropertyString("net", { model: "virtio", bridge: "vmbr0", macaddr: "BC:24:11:00:00:01", mtu: 1500 }),
      agent: encodePropertyString("agent", { enabled: true, fstrim_cloned_disks: true }),
      smbios1: encodeSmbios1({ uuid: "7a6f1f44-1d1c-4d8f-9c55-0f3f6b2a1c10", manufacturer: "Omni", serial: "x" }),
      hostpci0: encodePropertyString("hostpci", { mapping: "gpu0", pcie: true, "x-vga": true }),
      vga: encodePropertyString("vga", { type: "serial0" }),
      serial0: "socket",
      ostype: "l26",
      onboot: true,
      numa: true,
      balloon: 0,
      tags: "omni;machine-request.set1",
    }));
    await pve.waitForTask(upid);
    await pve.listVms(NODE);
    await pve.getVmConfig(NODE, vmid);
    await pve.getVmConfig(NODE, vmid, { current: true });
    const cfg = await pve.updateVmConfig(NODE, vmid, {
      ide0: encodePropertyString("ide", { file: "local:iso/talos-conformance.iso", media: "cdrom" }),
      boot: encodePropertyString("boot", { order: "scsi0;ide0;net0" }),
    });
    if (cfg) await pve.waitForTask(cfg);
    await pve.setVmConfig(NODE, vmid, { description: "conformance run", delete: "scsi1" });
    await pve.vmStatus(NODE, vmid);
    const start = await pve.startVm(NODE, vmid);
    await pve.waitForTask(start);
    await pve.taskStatus(start);
    await pve.taskLog(start, { start: 0, limit: 10 });
    await pve.waitForTask(await pve.shutdownVm(NODE, vmid, { timeout: 60, forceStop: true }));
    await pve.waitForTask(await pve.startVm(NODE, vmid));
    await pve.waitForTask(await pve.stopVm(NODE, vmid, { timeout: 30 }));

    await pve.listNetwork(NODE);
    await pve.listNetwork(NODE, "bridge");
    await pve.listBridges(NODE);
    await admin.listPciMappings();
    await admin.listPciMappings({ checkNode: NODE });
    await admin.getPciMapping("gpu0");
    await admin.listUsbMappings({ checkNode: NODE });
    await pve.permissions();
    await pve.permissions("/vms");
    await admin.listPools();
    await admin.getPool("omni");

    const sid = `vm:${vmid}`;
    await admin.addHaResource(sid, {
      state: "stopped",
      comment: "conformance",
      maxRestart: 1,
      maxRelocate: 1,
      failback: true,
    });
    await admin.listHaResources();
    await admin.listHaResources("vm");
    await admin.getHaResource(sid);
    await admin.addHaRule({
      rule: "conformance-affinity",
      type: "node-affinity",
      resources: sid,
      nodes: NODE,
      strict: true,
    });
    await admin.listHaRules();
    await admin.getHaRule("conformance-affinity");
    await admin.listHaRules({ type: "node-affinity", resource: sid });
    await admin.removeHaRule("conformance-affinity");
    await admin.removeHaResource(sid, { purge: true });

    await pve.waitForTask(await pve.deleteVm(NODE, vmid, { purge: true, destroyUnreferencedDisks: true }));

    // Password auth: login, renew-free reads and a CSRF-protected write.
    await root.version();
    const rootVm = await root.nextId();
    await root.waitForTask(await root.createVm(NODE, { vmid: rootVm, name: "by-root", memory: "512" }));
    await root.waitForTask(await root.deleteVm(NODE, rootVm));
  });

  it("every recorded client request is valid against apidata.json", () => {
    assert.ok(h.records.length > 60, `recorded ${h.records.length} requests`);
    const methods = new Set(h.records.map((r) => r.method));
    assert.deepEqual([...methods].sort(), ["DELETE", "GET", "POST", "PUT"]);
    assert.deepEqual(h.violations(), []);
    // Each record's endpoint template is a real schema path (metrics label by it).
    const schema = loadApiSchema();
    const unknown = h.records
      .filter((r) => !schema.byKey.has(`${r.method} ${r.endpoint}`))
      .map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(unknown, []);
  });

  it("the simulator's trace agrees: every request arrived and each is valid", () => {
    const schema = loadApiSchema();
    const trace = readFileSync(tracePath, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TraceLine);
    assert.equal(trace.length, h.records.length, "one trace line per request sent");
    const bad = trace
      .map((t) => ({ t, v: validateRequest(schema, t.method, t.path, t.params) }))
      .filter((x) => x.v.length > 0);
    assert.deepEqual(bad, []);
  });
});
