/**
 * Authentication against the simulator: API tokens (tokenID + tokenSecret, or one full token string),
 * and username/password tickets with CSRF tokens on writes, renewed before expiry and re-obtained once
 * after a 401.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { isProxmoxError, TICKET_RENEW_AFTER_MS } from "../../src/proxmox/index.ts";
import { assertConformant, type Harness, startHarness } from "./harness.ts";

const NODE = "foxtrot";

describe("authentication", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const logins = () => h.records.filter((r) => r.path === "/access/ticket").length;

  it("accepts a full token string", async () => {
    const client = h.client("caFile", "provider", {
      tokenID: undefined,
      tokenSecret: undefined,
      token: h.sim.tokens.provider.full,
    });
    assert.equal((await client.version()).release, "9.1");
  });

  it("rejects a wrong token secret as auth_failed", async () => {
    const client = h.client("caFile", "provider", { tokenSecret: "00000000-0000-0000-0000-000000000000" });
    await assert.rejects(client.version(), (e) => isProxmoxError(e, "auth_failed"));
  });

  it("logs in with username/password and sends the CSRF token on writes", async () => {
    const root = h.client("fingerprint", "root");
    const before = logins();
    assert.ok((await root.listNodes()).length === 3);
    const vmid = await root.nextId();
    await root.waitForTask(await root.createVm(NODE, { vmid, name: "by-ticket", memory: "512" }));
    await root.setVmConfig(NODE, vmid, { description: "ticket write" });
    await root.waitForTask(await root.deleteVm(NODE, vmid));
    assert.equal(logins() - before, 1, "one login serves every call");
  });

  it("rejects a wrong password as auth_failed without echoing it", async () => {
    const password = "definitely-not-the-password";
    const client = h.client("caFile", "root", { password });
    await assert.rejects(client.version(), (e) => {
      assert.ok(isProxmoxError(e, "auth_failed"));
      assert.ok(!e.message.includes(password));
      return true;
    });
  });

  it("renews the ticket after 90 minutes", async () => {
    let clock = 1_000_000;
    const root = h.client("caFile", "root", { now: () => clock });
    const before = logins();
    await root.version();
    clock += TICKET_RENEW_AFTER_MS - 1_000;
    await root.version();
    assert.equal(logins() - before, 1);
    clock += 2_000;
    await root.version();
    assert.equal(logins() - before, 2, "renewed with the current ticket");
  });

  it("logs in again once when the server rejects the ticket", async () => {
    const root = h.client("caFile", "root");
    await root.version();
    const before = logins();
    h.sim.admin.injectFault({
      endpoint: "/cluster/resources",
      status: 401,
      message: "Authentication failed!",
      count: 1,
    });
    assert.ok((await root.clusterResources("node")).length === 3);
    assert.equal(logins() - before, 1);

    // A server that keeps refusing gets exactly one more try, then auth_failed.
    h.sim.admin.setTicketLifetime(-1);
    try {
      await assert.rejects(root.version(), (e) => isProxmoxError(e, "auth_failed"));
    } finally {
      h.sim.admin.setTicketLifetime(7200);
    }
  });

  it("does not resend an upload refused with 401, but drops the ticket so the next call logs in", async () => {
    const root = h.client("caFile", "root");
    await root.version();
    const before = logins();
    h.sim.admin.injectFault({ endpoint: "/upload", status: 401, message: "Authentication failed!", count: 1 });
    const upload = () =>
      root.upload(NODE, "local", {
        content: "iso",
        filename: "ticket-upload.iso",
        source: { stream: Readable.from([Buffer.alloc(64, 7)]), size: 64 },
      });
    await assert.rejects(upload(), (e) => isProxmoxError(e, "auth_failed"));
    assert.equal(logins() - before, 0, "an upload is never resent");
    await root.waitForTask(await upload());
    assert.equal(logins() - before, 1, "the rejected ticket was replaced");
  });

  it("sent only schema-valid requests", () => assertConformant(h));
});
