import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Agent, fetch } from "undici";
import { type PveSimulator, startPveSimulator } from "../../src/lab/pve/index.ts";

interface Reply {
  status: number;
  reason: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string; total?: number } | null;
}

describe("Proxmox VE simulator semantics", () => {
  let pve: PveSimulator;
  let dispatcher: Agent;

  before(async () => {
    pve = await startPveSimulator({ timeFactor: 0 });
    dispatcher = new Agent({ connect: { ca: readFileSync(pve.caFile) } });
  });

  after(async () => {
    await pve.close();
    await dispatcher.close();
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
      headers: {
        Authorization: `PVEAPIToken=${token}`,
        ...(isBody ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
      },
      body: isBody ? new URLSearchParams(params as Record<string, string>).toString() : undefined,
    });
    const text = await res.text();
    return { status: res.status, reason: res.statusText, body: text ? JSON.parse(text) : null };
  }

  async function done(upid: unknown): Promise<string | undefined> {
    return (await pve.admin.waitForTask(String(upid)))?.exitstatus;
  }

  async function vm(vmid: number, extra: Record<string, string> = {}): Promise<void> {
    const r = await call("POST", "/nodes/golf/qemu", {
      vmid: String(vmid),
      scsi0: "vm_ssd:8",
      net0: "virtio,bridge=vmbr0",
      agent: "1",
      ...extra,
    });
    assert.equal(await done(r.body?.data), "OK");
  }

  it("returns Proxmox's JSON types: nextid string, config numbers vs strings, task numbers", async () => {
    await vm(500, { cores: "2", memory: "2048", onboot: "1" });
    assert.equal(typeof (await call("GET", "/cluster/nextid")).body?.data, "string");
    const cfg = (await call("GET", "/nodes/golf/qemu/500/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.cores, 2);
    assert.equal(cfg.onboot, 1);
    assert.equal(cfg.memory, "2048");
    assert.equal(cfg.agent, "1");
    assert.match(String(cfg.digest), /^[0-9a-f]{40}$/);
    const list = (await call("GET", "/nodes/golf/tasks", { source: "all" })).body;
    const t = ((list?.data ?? []) as Record<string, unknown>[])[0] ?? {};
    assert.equal(typeof t.starttime, "number");
    assert.equal(typeof list?.total, "number");
  });

  it("updates config: POST is a task, PUT is synchronous, digest guards, cdrom joins the boot order", async () => {
    await vm(510);
    const iso = await call("POST", "/nodes/golf/storage/local/download-url", {
      content: "iso",
      filename: "x.iso",
      url: "https://example.com/x.iso",
    });
    assert.match(String(await done(iso.body?.data)), /^download failed/, "only loopback downloads are allowed");
    const up = await call("POST", "/nodes/golf/qemu/510/config", { ide0: "none,media=cdrom", tags: "Z;y" });
    assert.match(String(up.body?.data), /:qmconfig:510:/);
    assert.equal(await done(up.body?.data), "OK");
    const cfg = (await call("GET", "/nodes/golf/qemu/510/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.boot, "order=scsi0;net0;ide0");
    assert.equal(cfg.tags, "y;z");
    const put = await call("PUT", "/nodes/golf/qemu/510/config", { cores: "4", digest: String(cfg.digest) });
    assert.equal(put.status, 200);
    assert.equal(put.body?.data, null);
    const stale = await call("PUT", "/nodes/golf/qemu/510/config", { cores: "2", digest: String(cfg.digest) });
    assert.equal(stale.status, 500);
    const badBoot = await call("POST", "/nodes/golf/qemu/510/config", { boot: "order=scsi9" });
    assert.match(String(await done(badBoot.body?.data)), /invalid bootorder: device 'scsi9' does not exist/);
  });

  it("moves a replaced disk to unusedN and frees it on delete=unusedN", async () => {
    await vm(520);
    const r = await call("PUT", "/nodes/golf/qemu/520/config", { scsi0: "vm_ssd:2" });
    assert.equal(r.status, 200);
    let cfg = (await call("GET", "/nodes/golf/qemu/520/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.scsi0, "vm_ssd:vm-520-disk-1,size=2G");
    assert.equal(cfg.unused0, "vm_ssd:vm-520-disk-0");
    await call("PUT", "/nodes/golf/qemu/520/config", { delete: "unused0" });
    cfg = (await call("GET", "/nodes/golf/qemu/520/config")).body?.data as Record<string, unknown>;
    assert.equal(cfg.unused0, undefined);
    assert.deepEqual(
      pve.admin
        .snapshot()
        .volumes.filter((v) => v.vmid === 520)
        .map((v) => v.volid),
      ["vm_ssd:vm-520-disk-1"],
    );
  });

  it("powers VMs: start/stop/shutdown(forceStop)/reset semantics and the guest agent", async () => {
    await vm(530);
    const reset = await call("POST", "/nodes/golf/qemu/530/status/reset");
    assert.equal(reset.status, 500);
    assert.equal(reset.reason, "VM 530 not running");
    assert.equal(
      await done((await call("POST", "/nodes/golf/qemu/530/status/stop")).body?.data),
      "OK",
      "stop when stopped is OK",
    );
    const agentDown = await call("GET", "/nodes/golf/qemu/530/agent/network-get-interfaces");
    assert.equal(agentDown.status, 500);
    assert.equal(await done((await call("POST", "/nodes/golf/qemu/530/status/start")).body?.data), "OK");
    const cur = (await call("GET", "/nodes/golf/qemu/530/status/current")).body?.data as Record<string, unknown>;
    assert.equal(cur.status, "running");
    assert.equal(cur.agent, 1);
    const ifaces = (await call("GET", "/nodes/golf/qemu/530/agent/network-get-interfaces")).body?.data as {
      result: { name: string }[];
    };
    assert.deepEqual(
      ifaces.result.map((i) => i.name),
      ["lo", "eth0"],
    );
    pve.admin.setGuestIgnoresShutdown(530, true);
    const sd = await call("POST", "/nodes/golf/qemu/530/status/shutdown", { timeout: "5" });
    assert.equal(await done(sd.body?.data), "VM quit/powerdown failed - got timeout");
    const forced = await call("POST", "/nodes/golf/qemu/530/status/shutdown", { timeout: "5", forceStop: "1" });
    assert.equal(await done(forced.body?.data), "OK");
    const stopped = (await call("GET", "/nodes/golf/qemu/530/status/current")).body?.data as Record<string, unknown>;
    assert.equal(stopped.status, "stopped");
  });

  it("keeps root-only settings root-only, even for root's own token", async () => {
    const r = await call("POST", "/nodes/golf/qemu", { vmid: "540", hugepages: "1024" }, pve.tokens.admin.full);
    assert.equal(r.status, 500);
    assert.equal(r.reason, "only root can set 'hugepages' config");
    const host = await call("POST", "/nodes/golf/qemu", { vmid: "541", hostpci0: "0000:01:00.0" });
    assert.equal(host.reason, "only root can set 'hostpci0' config for non-mapped devices");
    const mapped = await call("POST", "/nodes/golf/qemu", { vmid: "542", hostpci0: "mapping=gpu0,pcie=1" });
    assert.equal(mapped.status, 200);
    await done(mapped.body?.data);
  });

  it("fails start like QEMU would: unmapped PCI on this node, missing bridge, no free memory", async () => {
    const gpu = await call("POST", "/nodes/golf/qemu/542/status/start");
    assert.equal(await done(gpu.body?.data), "PCI device mapping 'gpu0' has no entry for node 'golf'");
    await vm(550, { net0: "virtio,bridge=vmbr9" }).catch(() => {});
    const br = await call("POST", "/nodes/golf/qemu/550/status/start");
    assert.equal(await done(br.body?.data), "bridge 'vmbr9' does not exist", "the provider may not use vmbr9 either");
    await vm(551, { memory: "65536" });
    const mem = await call("POST", "/nodes/golf/qemu/551/status/start");
    assert.match(
      String(await done(mem.body?.data)),
      /^start failed: QEMU exited with code 1 - cannot allocate 65536 MiB/,
    );
  });

  it("lets the lab place snippet files the API cannot upload, usable by cicustom", async () => {
    const volid = pve.admin.storeFile("golf", "local", "snippets", "user.yaml", "#cloud-config\n");
    assert.equal(volid, "local:snippets/user.yaml");
    const content = (await call("GET", "/nodes/golf/storage/local/content", { content: "snippets" })).body?.data as {
      volid: string;
    }[];
    assert.deepEqual(
      content.map((c) => c.volid),
      ["local:snippets/user.yaml"],
    );
    const upload = await call("POST", "/nodes/golf/storage/local/upload", { content: "snippets" });
    assert.equal(upload.status, 400, "snippets are not an upload content type in PVE 9.1");
  });

  it("answers injected proxy and auth failures with an empty body, handler errors with JSON", async () => {
    for (const [status, empty] of [
      [596, true],
      [401, true],
      [503, false],
    ] as const) {
      pve.admin.injectFault({ endpoint: "/version", status, message: `injected ${status}`, count: 1 });
      const r = await call("GET", "/version");
      assert.equal(r.status, status);
      assert.equal(r.reason, `injected ${status}`);
      assert.equal(r.body === null, empty, `${status}: ${JSON.stringify(r.body)}`);
    }
  });

  it("compares URI parameters with the merged request, where the query string overrides the body", async () => {
    const put = (query: string, body: string) =>
      fetch(`${pve.url}/nodes/foxtrot/qemu/100/config?${query}`, {
        method: "PUT",
        dispatcher,
        headers: {
          Authorization: `PVEAPIToken=${pve.tokens.admin.full}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
      });
    const agrees = await put("vmid=100", "vmid=999&description=merged");
    assert.equal(agrees.status, 200, await agrees.text());
    const conflicts = await put("vmid=999", "vmid=100&description=merged");
    assert.equal(conflicts.status, 400);
    assert.deepEqual(((await conflicts.json()) as Reply["body"])?.errors, {
      vmid: "duplicate parameter (already defined in URI) with conflicting values!",
    });
  });

  it("reports the offline node before validating parameters, and 501 for unknown paths and methods", async () => {
    pve.admin.setNodeOnline("hotel", false);
    const r = await call("POST", "/nodes/hotel/qemu", { vmid: "x" });
    pve.admin.setNodeOnline("hotel", true);
    assert.equal(r.status, 595);
    const unknown = await call("GET", "/nodes/golf/bogus");
    assert.equal(unknown.status, 501);
    assert.equal(unknown.reason, "Method 'GET /nodes/golf/bogus' not implemented");
    const nohost = await call("GET", "/nodes/nosuch/qemu");
    assert.equal(nohost.status, 500);
    assert.match(nohost.reason, /^hostname lookup 'nosuch' failed/);
    const missingTask = await call(
      "GET",
      "/nodes/golf/tasks/UPID%3Agolf%3A00000001%3A00000001%3A00000001%3Aqmstart%3A1%3Aa%40pve%3A/status",
    );
    assert.deepEqual(missingTask.body?.errors, { upid: "no such task" });
  });

  it("filters storages by content and shows per-node usage of local storages", async () => {
    const iso = (await call("GET", "/nodes/golf/storage", { content: "iso" })).body?.data as { storage: string }[];
    assert.deepEqual(
      iso.map((s) => s.storage),
      ["local"],
    );
    const images = (await call("GET", "/nodes/golf/storage", { content: "images", enabled: "1" })).body?.data as {
      storage: string;
      shared: number;
    }[];
    assert.deepEqual(images.map((s) => `${s.storage}:${s.shared}`).sort(), [
      "local-lvm:0",
      "vm_containers:1",
      "vm_ssd:1",
    ]);
    const res = (await call("GET", "/cluster/resources", { type: "vm" })).body?.data as { id: string; type: string }[];
    assert.ok(res.every((e) => e.type === "qemu" && e.id.startsWith("qemu/")));
  });

  it("serves HA resources and rules (PVE 9) to the admin token", async () => {
    const admin = pve.tokens.admin.full;
    assert.equal((await call("POST", "/cluster/ha/resources", { sid: "vm:500", state: "started" }, admin)).status, 200);
    assert.equal(
      (
        await call(
          "POST",
          "/cluster/ha/rules",
          { rule: "spread", type: "node-affinity", resources: "vm:500", nodes: "golf" },
          admin,
        )
      ).status,
      200,
    );
    const rules = (await call("GET", "/cluster/ha/rules", undefined, admin)).body?.data as { rule: string }[];
    assert.deepEqual(
      rules.map((r) => r.rule),
      ["spread"],
    );
    const del = await call("DELETE", "/nodes/golf/qemu/500", undefined, admin);
    assert.equal(del.reason, "unable to remove VM 500 - used in HA resources and purge parameter not set.");
  });

  it("refuses oversized bodies and unsupported methods with 501", async () => {
    const big = await call("PUT", "/nodes/golf/qemu/520/config", { description: "x".repeat(600 * 1024) });
    assert.equal(big.status, 501);
    assert.equal(big.reason, "for data too large");
    const patch = await fetch(`${pve.url}/version`, { method: "PATCH", dispatcher });
    assert.equal(patch.status, 501);
    assert.equal(patch.statusText, "method 'PATCH' not available");
    await patch.body?.cancel();
  });

  it("exposes admin controls over HTTPS for the admin token only", async () => {
    const post = (path: string, body: unknown, token: string) =>
      fetch(`${pve.url.replace("/api2/json", "")}/_admin/${path}`, {
        method: "POST",
        dispatcher,
        headers: { Authorization: `PVEAPIToken=${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const denied = await post("nodes/golf/online", { online: false }, pve.tokens.provider.full);
    assert.equal(denied.status, 403);
    await denied.body?.cancel();
    const ok = await post(
      "faults",
      { endpoint: "/version", status: 500, message: "down", count: 1 },
      pve.tokens.admin.full,
    );
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.equal((await call("GET", "/version")).reason, "down");
    const moved = await post("vms/510/move", { node: "hotel" }, pve.tokens.admin.full);
    assert.equal(moved.status, 200);
    await moved.body?.cancel();
    const gone = await call("GET", "/nodes/golf/qemu/510/config");
    assert.equal(gone.reason, "Configuration file 'nodes/golf/qemu-server/510.conf' does not exist");
    assert.equal((await call("GET", "/nodes/hotel/qemu/510/config")).status, 200);
  });
});

describe("Proxmox VE simulator persistence", () => {
  it("restores VMs, volumes, files and tasks from its data directory", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dataDir = mkdtempSync(join(tmpdir(), "pve-persist-"));
    try {
      const first = await startPveSimulator({ timeFactor: 0, dataDir });
      const d = new Agent({ connect: { ca: readFileSync(first.caFile) } });
      const res = await fetch(`${first.url}/nodes/foxtrot/qemu`, {
        method: "POST",
        dispatcher: d,
        headers: { Authorization: `PVEAPIToken=${first.tokens.admin.full}`, "Content-Type": "application/json" },
        body: JSON.stringify({ vmid: 700, scsi0: "local-lvm:2" }),
      });
      const upid = ((await res.json()) as { data: string }).data;
      await first.admin.waitForTask(upid);
      first.admin.storeFile("foxtrot", "local", "snippets", "seed.yaml", "a: 1\n");
      await first.close();

      const second = await startPveSimulator({ timeFactor: 0, dataDir });
      try {
        const snap = second.admin.snapshot();
        assert.equal(snap.vms.find((v) => v.vmid === 700)?.config.scsi0, "local-lvm:vm-700-disk-0,size=2G");
        assert.ok(snap.volumes.some((v) => v.volid === "local:snippets/seed.yaml" && v.node === "foxtrot"));
        assert.equal(snap.tasks.find((t) => t.upid === upid)?.exitstatus, "OK");
      } finally {
        await second.close();
        await d.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
