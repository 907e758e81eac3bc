import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent, FormData, fetch } from "undici";
import { defaultMatrixWorld, type PveSimulator, startPveSimulator } from "../../src/lab/pve/index.ts";

interface Reply {
  status: number;
  reason: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string } | null;
}

describe("Proxmox VE simulator over HTTPS", () => {
  let pve: PveSimulator;
  let dispatcher: Agent;
  let dataDir: string;
  let tracePath: string;
  let files: Server;
  let filesUrl: string;
  const iso = Buffer.from("talos nocloud iso bytes");

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pve-sim-"));
    tracePath = join(dataDir, "trace.jsonl");
    pve = await startPveSimulator({ timeFactor: 0, dataDir: join(dataDir, "data"), tracePath });
    dispatcher = new Agent({ connect: { ca: readFileSync(pve.caFile) } });
    files = createServer((_req, res) => res.end(iso));
    await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });

  after(async () => {
    await pve.close();
    await dispatcher.close();
    await new Promise<void>((r) => files.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(
    method: string,
    path: string,
    params?: Record<string, unknown>,
    token = pve.tokens.provider.full,
  ): Promise<Reply> {
    const isBody = method === "POST" || method === "PUT";
    const query = !isBody && params ? `?${new URLSearchParams(params as Record<string, string>)}` : "";
    const res = await fetch(`${pve.url}${path}${query}`, {
      method,
      dispatcher,
      headers: { Authorization: `PVEAPIToken=${token}`, ...(isBody ? { "Content-Type": "application/json" } : {}) },
      body: isBody ? JSON.stringify(params ?? {}) : undefined,
    });
    const text = await res.text();
    return { status: res.status, reason: res.statusText, body: text ? JSON.parse(text) : null };
  }

  async function task(upid: unknown): Promise<{ exitstatus?: string; status: string }> {
    await pve.admin.waitForTask(String(upid));
    const node = String(upid).split(":")[1];
    const r = await call("GET", `/nodes/${node}/tasks/${encodeURIComponent(String(upid))}/status`);
    return r.body?.data as { exitstatus?: string; status: string };
  }

  const create = (vmid: number, extra: Record<string, unknown> = {}, token?: string) =>
    call("POST", "/nodes/foxtrot/qemu", { vmid, name: `talos-${vmid}`, scsi0: "vm_ssd:32", ...extra }, token);

  it("rejects schema violations with 400 and Proxmox's envelope", async () => {
    const r = await create(200, { bogus: 1, onboot: "true", scsihw: "fast", scsi1: "vm_ssd:8,nope=1" });
    assert.equal(r.status, 400);
    assert.equal(r.reason, "Parameter verification failed.");
    assert.equal(r.body?.data, null);
    assert.deepEqual(Object.keys(r.body?.errors ?? {}).sort(), ["bogus", "onboot", "scsi1", "scsihw"]);
    assert.equal(
      r.body?.errors?.bogus,
      "property is not defined in schema and the schema does not allow additional properties",
    );
    assert.equal(r.body?.errors?.onboot, "type check ('boolean') failed - got 'true'");
    assert.equal(r.body?.errors?.scsi1, "invalid format - invalid key in comma-separated list property: nope\n");
    assert.equal(
      pve.admin.snapshot().vms.some((v) => v.vmid === 200),
      false,
    );
    const scsi0 = await create(200, { scsi0: "vm_ssd:32,ssd=maybe" });
    assert.equal(scsi0.status, 400);
    assert.deepEqual(scsi0.body?.errors, {
      scsi0: "invalid format - ssd: type check ('boolean') failed - got 'maybe'\n",
    });
    const vmidType = await call("POST", "/nodes/foxtrot/qemu", { vmid: "abc" });
    assert.deepEqual(vmidType.body?.errors, { vmid: "type check ('integer') failed - got 'abc'" });
  });

  it("denies create without VM.Allocate with the real 403", async () => {
    const r = await create(201, {}, pve.tokens.noAllocate.full);
    assert.equal(r.status, 403);
    assert.equal(r.reason, "Permission check failed (/vms/201, VM.Allocate)");
  });

  it("creates a VM as a task: lock, vm-<id>-disk-N volumes, canonical strings, defaults", async () => {
    const r = await create(300, { net0: "virtio,bridge=vmbr0,tag=20", scsi1: "local-lvm:4,ssd=1", tags: "B;a" });
    assert.equal(r.status, 200);
    assert.match(
      String(r.body?.data),
      /^UPID:foxtrot:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmcreate:300:omni@pve!provider:$/,
    );
    assert.equal((await task(r.body?.data)).exitstatus, "OK");
    const cfg = (await call("GET", "/nodes/foxtrot/qemu/300/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.scsi0, "vm_ssd:vm-300-disk-0,size=32G");
    assert.equal(cfg.scsi1, "local-lvm:vm-300-disk-0,size=4G,ssd=1");
    assert.match(String(cfg.net0), /^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=20$/);
    assert.equal(cfg.tags, "a;b");
    assert.equal(cfg.boot, "order=scsi0;net0");
    assert.equal(cfg.lock, undefined);
    const vols = pve.admin.snapshot().volumes.filter((v) => v.vmid === 300);
    assert.deepEqual(vols.map((v) => v.volid).sort(), ["local-lvm:vm-300-disk-0", "vm_ssd:vm-300-disk-0"]);
  });

  it("refuses a create on an existing VMID, a start of a running VM and a delete of a running VM", async () => {
    const dup = await create(100);
    assert.equal(dup.status, 500);
    assert.equal(dup.reason, "unable to create VM 100 - VM 100 already exists on node 'foxtrot'");
    const start = await call("POST", "/nodes/foxtrot/qemu/100/status/start");
    assert.equal((await task(start.body?.data)).exitstatus, "VM 100 already running");
    const del = await call("DELETE", "/nodes/foxtrot/qemu/100");
    assert.equal(del.status, 500);
    assert.equal(del.reason, "VM 100 is running - destroy failed");
    const missing = await call("DELETE", "/nodes/foxtrot/qemu/999");
    assert.equal(missing.status, 500);
    assert.equal(missing.body?.message, "Configuration file 'nodes/foxtrot/qemu-server/999.conf' does not exist\n");
  });

  it("answers 595 with an empty body for an offline node", async () => {
    pve.admin.setNodeOnline("hotel", false);
    try {
      const r = await call("GET", "/nodes/hotel/qemu");
      assert.equal(r.status, 595);
      assert.equal(r.body, null);
      const nodes = (await call("GET", "/nodes")).body?.data as { node: string; status: string }[];
      assert.equal(nodes.find((n) => n.node === "hotel")?.status, "offline");
    } finally {
      pve.admin.setNodeOnline("hotel", true);
    }
  });

  it("frees volumes on destroy and reuses the lowest free disk number", async () => {
    const r = await create(310, { scsi1: "vm_ssd:1" });
    await task(r.body?.data);
    const before = pve.admin.snapshot().storage.find((s) => s.storage === "vm_ssd")?.used ?? 0;
    const del = await call("DELETE", "/nodes/foxtrot/qemu/310", { purge: "1", "destroy-unreferenced-disks": "1" });
    assert.equal((await task(del.body?.data)).exitstatus, "OK");
    const afterUsed = pve.admin.snapshot().storage.find((s) => s.storage === "vm_ssd")?.used ?? 0;
    assert.equal(before - afterUsed, 33 * 1024 ** 3);
    assert.equal(
      pve.admin.snapshot().volumes.some((v) => v.vmid === 310),
      false,
    );
  });

  it("fails the create task when the storage is full and frees the VMID", async () => {
    const r = await create(320, { scsi0: "local-lvm:100000" });
    const t = await task(r.body?.data);
    assert.match(String(t.exitstatus), /^unable to create VM 320 - no space left on storage 'local-lvm'/);
    assert.equal(
      pve.admin.snapshot().vms.some((v) => v.vmid === 320),
      false,
    );
  });

  it("reproduces the nextid race: concurrent naive creates collide", async () => {
    // All callers ask before any create lands: nextid hands every one of them the same id.
    const ids = await Promise.all(
      Array.from({ length: 8 }, async () => Number((await call("GET", "/cluster/nextid")).body?.data)),
    );
    assert.equal(new Set(ids).size, 1);
    const results = await Promise.all(ids.map((id) => create(id)));
    const ok = results.filter((r) => r.status === 200);
    const clashes = results.filter(
      (r) => r.status === 500 && /^unable to create VM \d+ - VM \d+ already exists on node 'foxtrot'$/.test(r.reason),
    );
    assert.equal(ok.length, 1);
    assert.equal(clashes.length, 7);
    const taken = await call("GET", "/cluster/nextid", { vmid: "100" });
    assert.equal(taken.status, 400);
    assert.deepEqual(taken.body?.errors, { vmid: "VM 100 already exists" });
    await pve.admin.waitForIdle();
  });

  it("downloads from a loopback URL into the ISO storage as a real file and refuses to overwrite", async () => {
    const sha = createHash("sha256").update(iso).digest("hex");
    const r = await call("POST", "/nodes/foxtrot/storage/local/download-url", {
      content: "iso",
      filename: "talos.iso",
      url: `${filesUrl}/talos.iso`,
      checksum: sha,
      "checksum-algorithm": "sha256",
    });
    assert.match(String(r.body?.data), /:download:talos\.iso:/);
    assert.equal((await task(r.body?.data)).exitstatus, "OK");
    const vol = pve.admin.snapshot().volumes.find((v) => v.volid === "local:iso/talos.iso" && v.node === "foxtrot");
    assert.ok(vol?.filePath && existsSync(vol.filePath));
    assert.deepEqual(readFileSync(vol.filePath), iso);
    const info = await call("GET", "/nodes/foxtrot/storage/local/content/local:iso/talos.iso");
    assert.equal((info.body?.data as { size?: number } | undefined)?.size, iso.length);
    const again = await call("POST", "/nodes/foxtrot/storage/local/download-url", {
      content: "iso",
      filename: "talos.iso",
      url: `${filesUrl}/talos.iso`,
    });
    assert.match(String((await task(again.body?.data)).exitstatus), /^refusing to override existing file/);
    const wrongStorage = await call("POST", "/nodes/foxtrot/storage/vm_ssd/download-url", {
      content: "iso",
      filename: "x.iso",
      url: `${filesUrl}/x.iso`,
    });
    assert.equal(wrongStorage.status, 403, "the provider token has no AllocateTemplate on vm_ssd");
  });

  it("stores multipart uploads, and an ISO cdrom must exist for create to succeed", async () => {
    const form = new FormData();
    form.append("content", "iso");
    form.append("filename", new Blob([Buffer.from("cidata")]), "user-data-330.iso");
    const res = await fetch(`${pve.url}/nodes/foxtrot/storage/local/upload`, {
      method: "POST",
      dispatcher,
      headers: { Authorization: `PVEAPIToken=${pve.tokens.provider.full}` },
      body: form,
    });
    const reply = (await res.json()) as { data: string };
    assert.equal(res.status, 200, JSON.stringify(reply));
    const upid = reply.data;
    assert.match(upid, /:imgcopy::omni@pve!provider:$/);
    assert.equal((await task(upid)).exitstatus, "OK");
    const c = await create(330, { cdrom: "local:iso/user-data-330.iso" });
    assert.equal((await task(c.body?.data)).exitstatus, "OK");
    const cfg = (await call("GET", "/nodes/foxtrot/qemu/330/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.ide2, "local:iso/user-data-330.iso,media=cdrom,size=6");
    const bad = await create(331, { cdrom: "local:iso/missing.iso" });
    assert.equal(
      (await task(bad.body?.data)).exitstatus,
      "unable to create VM 331 - volume 'local:iso/missing.iso' does not exist",
    );
  });

  it("queues tasks beyond the per-node worker limit and shows lock: create while creating", async () => {
    const world = defaultMatrixWorld();
    world.taskDurationsMs.qmcreate = 600_000;
    world.maxWorkersPerNode = 1;
    const slow = await startPveSimulator({ world, timeFactor: 1 });
    const d = new Agent({ connect: { ca: readFileSync(slow.caFile) } });
    try {
      const req = (method: string, path: string, body?: unknown) =>
        fetch(`${slow.url}${path}`, {
          method,
          dispatcher: d,
          headers: { Authorization: `PVEAPIToken=${slow.tokens.admin.full}`, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const post = async (vmid: number) =>
        ((await (await req("POST", "/nodes/golf/qemu", { vmid, scsi0: "vm_ssd:1" })).json()) as { data: string }).data;
      const upids = [await post(401), await post(402)];
      const locked = await req("PUT", "/nodes/golf/qemu/401/config", { cores: 2 });
      assert.equal(locked.status, 500);
      assert.equal(locked.statusText, "VM is locked (create)");
      await locked.body?.cancel();
      const tasks = slow.admin.snapshot().tasks;
      assert.deepEqual(
        tasks.map((t) => t.status),
        ["running", "running"],
      );
      assert.equal(slow.admin.activeWorkers("golf"), 1, "the second create waits for the only worker slot");
      const stop = await req("DELETE", `/nodes/golf/tasks/${encodeURIComponent(upids[0] as string)}`);
      await stop.body?.cancel();
      assert.equal((await slow.admin.waitForTask(upids[0] as string))?.exitstatus, "received interrupt");
      assert.equal(
        slow.admin.snapshot().vms.some((v) => v.vmid === 401),
        false,
        "a failed create frees its VMID",
      );
      await new Promise((r) => setImmediate(r));
      assert.equal(slow.admin.activeWorkers("golf"), 1, "the queued create took the slot");
    } finally {
      await d.close();
      await slow.close();
    }
  });

  it("injects faults: status, connection reset and task failure", async () => {
    pve.admin.injectFault({ endpoint: "/version", status: 503, message: "injected outage", count: 1 });
    const r = await call("GET", "/version");
    assert.equal(r.status, 503);
    assert.equal(r.reason, "injected outage");
    assert.equal((await call("GET", "/version")).status, 200);
    pve.admin.injectFault({ endpoint: "/cluster/status", connectionReset: true, count: 1 });
    await assert.rejects(call("GET", "/cluster/status"));
    pve.admin.injectFault({
      endpoint: "/status/start",
      method: "POST",
      taskFailure: "start failed: QEMU exited with code 1",
      count: 1,
    });
    const s = await call("POST", "/nodes/foxtrot/qemu/300/status/start");
    assert.equal((await task(s.body?.data)).exitstatus, "start failed: QEMU exited with code 1");
    pve.admin.injectFault({ endpoint: "/cluster/resources", hang: true, count: 1 });
    await assert.rejects(
      fetch(`${pve.url}/cluster/resources`, {
        dispatcher,
        headers: { Authorization: `PVEAPIToken=${pve.tokens.provider.full}` },
        signal: AbortSignal.timeout(50),
      }),
      (err: Error) => err.name === "TimeoutError",
    );
    pve.admin.clearFaults();
  });

  it("answers bad credentials with an empty 401", async () => {
    const bad = await call("GET", "/version", undefined, `${pve.tokens.provider.tokenId}=not-the-secret`);
    assert.equal(bad.status, 401);
    assert.equal(bad.reason, "Authentication failed!");
    assert.equal(bad.body, null);
    const none = await fetch(`${pve.url}/version`, { dispatcher });
    assert.equal(none.status, 401);
    assert.equal(none.statusText, "No ticket");
    await none.body?.cancel();
  });

  it("supports ticket login with CSRF enforcement on writes", async () => {
    const login = await fetch(`${pve.url}/access/ticket`, {
      method: "POST",
      dispatcher,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "root@pam", password: pve.users.root.password }).toString(),
    });
    const { data } = (await login.json()) as { data: { ticket: string; CSRFPreventionToken: string } };
    const cookie = `PVEAuthCookie=${encodeURIComponent(data.ticket)}`;
    const get = await fetch(`${pve.url}/version`, { dispatcher, headers: { cookie } });
    assert.equal(get.status, 200);
    const noCsrf = await fetch(`${pve.url}/pools`, {
      method: "POST",
      dispatcher,
      headers: { cookie, "Content-Type": "application/json" },
      body: JSON.stringify({ poolid: "lab" }),
    });
    assert.equal(noCsrf.status, 401);
    assert.equal(noCsrf.statusText, "Permission denied - invalid csrf token");
    const ok = await fetch(`${pve.url}/pools`, {
      method: "POST",
      dispatcher,
      headers: { cookie, CSRFPreventionToken: data.CSRFPreventionToken, "Content-Type": "application/json" },
      body: JSON.stringify({ poolid: "lab" }),
    });
    assert.equal(ok.status, 200);
  });

  it("writes a JSONL trace of every request without secrets", () => {
    const lines = readFileSync(tracePath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(lines.length > 20);
    assert.ok(
      lines.every((l) => typeof l.method === "string" && typeof l.path === "string" && typeof l.status === "number"),
    );
    assert.ok(
      lines.some((l) => l.path === "/api2/json/nodes/foxtrot/qemu" && l.status === 400 && l.params.bogus === 1),
    );
    const text = readFileSync(tracePath, "utf8");
    assert.equal(text.includes(pve.users.root.password), false);
    assert.equal(text.includes(pve.tokens.provider.secret), false);
  });
});
