/**
 * Every typed call of ProxmoxClient against the Proxmox simulator over HTTPS, once with the certificate
 * verified through `caFile` and once through the `fingerprint` pin. Every request sent is also checked
 * against the official schema.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  decodePropertyString,
  decodeSmbios1,
  encodePropertyString,
  encodeSmbios1,
  isProxmoxError,
  isUpid,
  type ProxmoxClient,
} from "../../src/proxmox/index.ts";
import { assertConformant, type Harness, startHarness, TLS_MODES } from "./harness.ts";

const NODE = "foxtrot";

for (const tls of TLS_MODES) {
  describe(`ProxmoxClient typed calls (TLS by ${tls})`, () => {
    let h: Harness;
    let pve: ProxmoxClient;
    let admin: ProxmoxClient;
    let dir: string;
    let files: Server;
    let filesUrl: string;

    before(async () => {
      h = await startHarness();
      pve = h.client(tls, "provider");
      admin = h.client(tls, "admin");
      dir = mkdtempSync(join(tmpdir(), "pve-client-"));
      files = createServer((req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.alloc(4096, req.url?.length ?? 1));
      });
      await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
      filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    });

    after(async () => {
      await h.close();
      await new Promise<void>((resolve) => files.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    it("reads version, nodes, node status and cluster status", async () => {
      const version = await pve.version();
      assert.match(version.version, /^\d+\.\d+/);
      const nodes = await pve.listNodes();
      assert.deepEqual(nodes.map((n) => n.node).sort(), ["foxtrot", "golf", "hotel"]);
      assert.ok(nodes.every((n) => n.status === "online"));
      const status = await pve.nodeStatus(NODE);
      assert.ok(status.memory.total > 0);
      assert.equal(status.loadavg.length, 3);
      const cluster = await admin.clusterStatus();
      assert.ok(cluster.some((e) => e.type === "cluster"));
      assert.equal(cluster.filter((e) => e.type === "node").length, 3);
    });

    it("lists cluster resources by type", async () => {
      const nodes = await pve.clusterResources("node");
      assert.ok(nodes.length === 3 && nodes.every((r) => r.type === "node"));
      const vms = await admin.clusterResources("vm");
      assert.ok(vms.some((r) => r.vmid === 100 && r.type === "qemu" && r.node === NODE));
      const storages = await pve.clusterResources("storage");
      assert.ok(storages.length > 0 && storages.every((r) => r.type === "storage" && typeof r.storage === "string"));
    });

    it("gets nextid and probes VMIDs", async () => {
      const next = await pve.nextId();
      assert.ok(Number.isInteger(next) && next >= 100);
      assert.equal(await pve.isVmidFree(100), false);
      assert.equal(await pve.isVmidFree(next), true);
    });

    it("lists storages with content and enabled filters", async () => {
      const all = await pve.listStorages(NODE);
      assert.ok(all.length >= 2);
      const iso = await pve.listStorages(NODE, { content: "iso", enabled: true });
      assert.ok(iso.length > 0);
      assert.ok(iso.every((s) => s.content.split(",").includes("iso")));
      const local = await pve.storageStatus(NODE, "local");
      assert.equal(local.type, "dir");
      assert.ok((local.total ?? 0) > 0);
      await assert.rejects(pve.storageStatus(NODE, "nosuchstorage"), (e) => isProxmoxError(e, "not_found"));
      const images = await pve.listStorages(NODE, { content: ["images", "rootdir"] });
      assert.ok(images.some((s) => s.storage === "vm_ssd"));
    });

    it("uploads from a file and from a stream, lists, gets and deletes volumes", async () => {
      const path = join(dir, "user-data-4242.iso");
      writeFileSync(path, Buffer.alloc(10_000, 7));
      const upid = await pve.upload(NODE, "local", { content: "iso", source: { path } });
      assert.ok(isUpid(upid));
      await pve.waitForTask(upid);
      const streamed = Buffer.alloc(3000, 1);
      const upid2 = await pve.upload(NODE, "local", {
        content: "iso",
        filename: "streamed.iso",
        source: { stream: Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]), size: streamed.length },
      });
      await pve.waitForTask(upid2);
      assert.equal((await pve.getVolume(NODE, "local", "local:iso/streamed.iso")).size, 3000);
      const isos = await pve.listStorageContent(NODE, "local", { content: "iso" });
      assert.ok(isos.some((v) => v.volid === "local:iso/user-data-4242.iso" && v.size === 10_000));
      const info = await pve.getVolume(NODE, "local", "local:iso/user-data-4242.iso");
      assert.equal(info.size, 10_000);
      const del = await admin.deleteVolume(NODE, "local", "local:iso/user-data-4242.iso");
      await admin.waitForTask(del);
      await assert.rejects(pve.getVolume(NODE, "local", "local:iso/user-data-4242.iso"), (e) =>
        isProxmoxError(e, "not_found"),
      );
    });

    it("downloads a URL into a storage as a task", async () => {
      const upid = await pve.downloadUrl(NODE, "local", {
        url: `${filesUrl}/talos.iso`,
        filename: `talos-${tls}.iso`,
        content: "iso",
        verifyCertificates: false,
      });
      assert.ok(isUpid(upid));
      const status = await pve.waitForTask(upid);
      assert.equal(status.exitstatus, "OK");
      const info = await pve.getVolume(NODE, "local", `local:iso/talos-${tls}.iso`);
      assert.equal(info.size, 4096);
    });

    it("creates, configures, starts, shuts down, stops and deletes a VM", async () => {
      const vmid = await pve.nextId();
      const upid = await pve.createVm(NODE, {
        vmid,
        name: `talos-${tls.toLowerCase()}`,
        cores: 2,
        sockets: 1,
        memory: encodePropertyString("memory", { current: 2048 }),
        cpu: encodePropertyString("cpu", { cputype: "x86-64-v2-AES" }),
        scsihw: "virtio-scsi-single",
        scsi0: encodePropertyString("scsi", { file: "vm_ssd:8", ssd: true, discard: "on", iothread: true }),
        net0: encodePropertyString("net", { model: "virtio", bridge: "vmbr0", firewall: true, tag: 20 }),
        agent: encodePropertyString("agent", { enabled: true }),
        smbios1: encodeSmbios1({ uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77", serial: "talos" }),
        onboot: true,
        tags: "omni;machine-request.abc",
      });
      assert.equal((await pve.waitForTask(upid)).exitstatus, "OK");

      const config = await pve.getVmConfig(NODE, vmid);
      const disk = decodePropertyString("scsi", String(config.scsi0));
      assert.equal(disk.file, `vm_ssd:vm-${vmid}-disk-0`);
      assert.equal(disk.size, "8G");
      assert.equal(disk.ssd, "1");
      const nic = decodePropertyString("net", String(config.net0));
      assert.equal(nic.model, "virtio");
      assert.equal(nic.bridge, "vmbr0");
      assert.match(nic.macaddr ?? "", /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
      assert.equal(decodeSmbios1(String(config.smbios1)).serial, "talos");
      assert.ok((await pve.listVms(NODE)).some((v) => v.vmid === vmid));

      const cfgTask = await pve.updateVmConfig(NODE, vmid, { description: "managed by omni-proxmox" });
      if (cfgTask) await pve.waitForTask(cfgTask);
      await pve.setVmConfig(NODE, vmid, { onboot: false });
      const updated = await pve.getVmConfig(NODE, vmid, { current: true });
      assert.equal(updated.description, "managed by omni-proxmox");
      assert.equal(updated.onboot, 0);

      assert.equal((await pve.vmStatus(NODE, vmid)).status, "stopped");
      await pve.waitForTask(await pve.startVm(NODE, vmid));
      assert.equal((await pve.vmStatus(NODE, vmid)).status, "running");
      await pve.waitForTask(await pve.shutdownVm(NODE, vmid, { timeout: 30, forceStop: true }));
      assert.equal((await pve.vmStatus(NODE, vmid)).status, "stopped");
      await pve.waitForTask(await pve.startVm(NODE, vmid));
      const stop = await pve.stopVm(NODE, vmid, { timeout: 10 });
      const stopped = await pve.waitForTask(stop);
      assert.equal(stopped.type, "qmstop");
      const log = await pve.taskLog(stop);
      assert.ok(log.length > 0 && log[0]?.n === 1);
      assert.equal((await pve.taskStatus(stop)).status, "stopped");

      await pve.waitForTask(await pve.deleteVm(NODE, vmid, { purge: true, destroyUnreferencedDisks: true }));
      await assert.rejects(pve.getVmConfig(NODE, vmid), (e) => isProxmoxError(e, "not_found"));
    });

    it("lists node network interfaces and bridges with VLAN awareness", async () => {
      const ifaces = await pve.listNetwork(NODE);
      assert.ok(ifaces.some((i) => i.iface === "vmbr0"));
      const bridges = await pve.listBridges(NODE);
      const vmbr0 = bridges.find((b) => b.iface === "vmbr0");
      assert.equal(vmbr0?.vlanAware, true);
    });

    it("reads PCI and USB resource mappings", async () => {
      const pci = await admin.listPciMappings();
      assert.ok(pci.some((m) => m.id === "gpu0"));
      const gpu = await admin.getPciMapping("gpu0");
      assert.match(gpu.map[0] ?? "", /node=foxtrot/);
      const usb = await admin.listUsbMappings();
      assert.ok(Array.isArray(usb));
      await assert.rejects(admin.getPciMapping("nosuchmap"), (e) => isProxmoxError(e, "not_found"));
    });

    it("reads effective permissions", async () => {
      const perms = await pve.permissions();
      assert.equal(typeof perms, "object");
      assert.ok(Object.values(perms).some((privs) => "VM.Allocate" in privs));
      const vms = await pve.permissions("/vms");
      assert.ok(Object.keys(vms).length >= 0);
    });

    it("lists pools and reads one", async () => {
      const pools = await admin.listPools();
      assert.ok(pools.some((p) => p.poolid === "omni"));
      const omni = await admin.getPool("omni");
      assert.equal(omni.poolid, "omni");
      await assert.rejects(admin.getPool("nosuchpool"), (e) => isProxmoxError(e, "not_found"));
    });

    it("manages HA resources and rules (PVE 9)", async () => {
      const vmid = await admin.nextId();
      await admin.waitForTask(await admin.createVm(NODE, { vmid, name: "ha-test", memory: "512" }));
      const sid = `vm:${vmid}`;
      await admin.addHaResource(sid, { state: "started", comment: "omni", maxRestart: 2 });
      assert.ok((await admin.listHaResources("vm")).some((r) => r.sid === sid));
      assert.equal((await admin.getHaResource(sid)).sid, sid);
      await admin.addHaRule({
        rule: `omni-${vmid}`,
        type: "node-affinity",
        resources: sid,
        nodes: "foxtrot,golf",
        strict: false,
      });
      assert.ok((await admin.listHaRules({ type: "node-affinity" })).some((r) => r.rule === `omni-${vmid}`));
      const rule = await admin.getHaRule(`omni-${vmid}`);
      assert.equal(rule.type, "node-affinity");
      assert.match(rule.resources, new RegExp(sid));
      await admin.removeHaRule(`omni-${vmid}`);
      await admin.removeHaResource(sid, { purge: true });
      assert.ok(!(await admin.listHaResources()).some((r) => r.sid === sid));
      await assert.rejects(admin.getHaResource(sid), (e) => isProxmoxError(e, "not_found"));
    });

    it("sent only schema-valid requests", () => assertConformant(h));
  });
}
