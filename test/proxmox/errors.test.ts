/**
 * Errors reach callers as typed codes (the client is the only place that reads Proxmox message text),
 * idempotent reads retry transient failures, writes never retry blindly, every call has a timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isProxmoxError, type ProxmoxClient, ProxmoxError } from "../../src/proxmox/index.ts";
import { assertConformant, type Harness, startHarness } from "./harness.ts";

const NODE = "foxtrot";

/** A caller in the style of the provider's deprovision step: branches on the code, never on text. */
async function deleteIfPresent(client: ProxmoxClient, node: string, vmid: number): Promise<"deleted" | "absent"> {
  try {
    await client.waitForTask(await client.deleteVm(node, vmid, { purge: true }));
    return "deleted";
  } catch (err) {
    if (err instanceof ProxmoxError && err.code === "not_found") return "absent";
    throw err;
  }
}

const countOf = (h: Harness, method: string, path: string) =>
  h.records.filter((r) => r.method === method && r.path === path).length;

describe("typed errors from the simulator", () => {
  let h: Harness;
  let pve: ProxmoxClient;
  let admin: ProxmoxClient;

  before(async () => {
    h = await startHarness();
    pve = h.client("caFile", "provider");
    admin = h.client("fingerprint", "admin");
  });
  after(() => h.close());

  it("reports 'VM does not exist' on delete as not_found, so callers need no string matching", async () => {
    await assert.rejects(pve.deleteVm(NODE, 987654), (e) => {
      assert.ok(e instanceof ProxmoxError);
      assert.equal(e.code, "not_found");
      assert.equal(e.status, 500);
      return true;
    });
    assert.equal(await deleteIfPresent(pve, NODE, 987654), "absent");
    const vmid = await pve.nextId();
    await pve.waitForTask(await pve.createVm(NODE, { vmid, name: "short-lived", memory: "512" }));
    assert.equal(await deleteIfPresent(pve, NODE, vmid), "deleted");
  });

  it("reports a delete of a running VM as conflict", async () => {
    await assert.rejects(admin.deleteVm(NODE, 100), (e) => isProxmoxError(e, "conflict"));
  });

  it("reports a missing privilege as permission_denied", async () => {
    const limited = h.client("caFile", "noAllocate");
    await assert.rejects(limited.createVm(NODE, { vmid: 4321, name: "nope", memory: "512" }), (e) => {
      assert.ok(isProxmoxError(e, "permission_denied"));
      assert.equal(e.status, 403);
      assert.match(e.message, /VM\.Allocate/);
      return true;
    });
  });

  it("reports schema violations as invalid_params with per-parameter messages", async () => {
    await assert.rejects(pve.createVm(NODE, { vmid: 4322, cores: "two", scsi0: "vm_ssd:8,bogus=1" }), (e) => {
      assert.ok(isProxmoxError(e, "invalid_params"));
      assert.deepEqual(Object.keys(e.params).sort(), ["cores", "scsi0"]);
      assert.match(e.params.scsi0 ?? "", /bogus/);
      return true;
    });
    // Remove these deliberately invalid requests from the conformance record.
    h.records.splice(0, h.records.length, ...h.records.filter((r) => r.params.cores !== "two"));
  });

  it("reports a taken VMID as already_exists, both on probe and on create", async () => {
    await assert.rejects(pve.call("GET", "/cluster/nextid", { vmid: 100 }), (e) => isProxmoxError(e, "already_exists"));
    await assert.rejects(admin.createVm(NODE, { vmid: 100, name: "dup", memory: "512" }), (e) =>
      isProxmoxError(e, "already_exists"),
    );
  });

  it("reports an offline node as node_unreachable; reads retry, writes do not", async () => {
    h.sim.admin.setNodeOnline("golf", false);
    try {
      await assert.rejects(pve.nodeStatus("golf"), (e) => isProxmoxError(e, "node_unreachable"));
      assert.equal(countOf(h, "GET", "/nodes/golf/status"), 3, "a read is tried 3 times");
      await assert.rejects(pve.createVm("golf", { vmid: 4323, name: "offline", memory: "512" }), (e) =>
        isProxmoxError(e, "node_unreachable"),
      );
      assert.equal(countOf(h, "POST", "/nodes/golf/qemu"), 1, "a write is sent once");
    } finally {
      h.sim.admin.setNodeOnline("golf", true);
    }
  });

  it("retries a read through transient 503s and connection resets", async () => {
    for (const fault of [{ status: 503, message: "busy" }, { connectionReset: true }, { status: 595 }]) {
      h.sim.admin.injectFault({ endpoint: "/version", ...fault, count: 1 });
      const before = countOf(h, "GET", "/version");
      assert.equal((await pve.version()).release, "9.1");
      assert.equal(countOf(h, "GET", "/version") - before, 2, JSON.stringify(fault));
    }
  });

  it("never retries a write blindly", async () => {
    h.sim.admin.injectFault({ endpoint: "/status/start", method: "POST", status: 503, message: "busy", count: 1 });
    const before = countOf(h, "POST", "/nodes/foxtrot/qemu/100/status/start");
    await assert.rejects(admin.startVm(NODE, 100), (e) => isProxmoxError(e, "unavailable"));
    assert.equal(countOf(h, "POST", "/nodes/foxtrot/qemu/100/status/start") - before, 1);
  });

  it("times out a call that never answers", async () => {
    h.sim.admin.injectFault({ endpoint: "/cluster/status", hang: true, count: 1 });
    const impatient = h.client("caFile", "admin", { timeoutMs: 150, retry: { attempts: 1, initialMs: 1, maxMs: 1 } });
    await assert.rejects(impatient.clusterStatus(), (e) => isProxmoxError(e, "timeout"));
  });

  it("turns a failed task into task_failed with exit status and log tail", async () => {
    const vmid = await pve.nextId();
    await pve.waitForTask(await pve.createVm(NODE, { vmid, name: "will-fail", memory: "512" }));
    h.sim.admin.injectFault({
      endpoint: `/qemu/${vmid}/status/start`,
      taskFailure: "start failed: QEMU exited with code 1",
      count: 1,
    });
    const upid = await pve.startVm(NODE, vmid);
    await assert.rejects(pve.waitForTask(upid), (e) => {
      assert.ok(isProxmoxError(e, "task_failed"));
      assert.equal(e.upid, upid);
      assert.match(e.exitStatus ?? "", /QEMU exited/);
      assert.ok(e.logTail.some((l) => /TASK ERROR/.test(l)));
      return true;
    });
    // Starting a running VM fails inside the task: the reason is classified too.
    await pve.waitForTask(await pve.startVm(NODE, vmid));
    await assert.rejects(pve.waitForTask(await pve.startVm(NODE, vmid)), (e) => {
      assert.ok(isProxmoxError(e, "task_failed"));
      assert.equal(e.reason, "conflict");
      return true;
    });
  });

  it("gives up waiting for a task at its deadline", async () => {
    const slow = await startHarness({ timeFactor: 1 });
    try {
      const client = slow.client("caFile", "provider");
      let clock = 0;
      const upid = await client.createVm(NODE, { vmid: 4400, name: "slow", memory: "512" });
      await assert.rejects(
        client.waitForTask(upid, {
          timeoutMs: 1_000,
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
        }),
        (e) => isProxmoxError(e, "timeout") && e.upid === upid,
      );
    } finally {
      await slow.close();
    }
  });

  it("sent only schema-valid requests (apart from the deliberately invalid one)", () => assertConformant(h));
});
