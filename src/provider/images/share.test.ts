/** IsoShare against the Proxmox simulator and the fake image factory (over HTTPS / HTTP). */
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ImageFactory, startImageFactory } from "../../lab/factory/index.ts";
import { type PveSimulator, startPveSimulator } from "../../lab/pve/index.ts";
import { ProxmoxClient } from "../../proxmox/index.ts";
import { IsoShare, talosIsoFileName } from "./index.ts";

const SCHEMATIC = "a".repeat(64);
const TASK = { timeoutMs: 10_000, pollMs: 2, maxPollMs: 20 };

describe("IsoShare", () => {
  let sim: PveSimulator;
  let factory: ImageFactory;
  let pve: ProxmoxClient;
  before(async () => {
    sim = await startPveSimulator({ timeFactor: 0.01 });
    factory = await startImageFactory();
    pve = new ProxmoxClient({
      url: sim.url,
      token: sim.tokens.provider.full,
      caFile: sim.caFile,
      retry: { attempts: 2, initialMs: 5, maxMs: 10 },
    });
  });
  after(async () => {
    await pve.close();
    await factory.close();
    await sim.close();
  });

  const target = (node: string, version: string) => ({
    node,
    storage: "local",
    shared: false,
    fileName: talosIsoFileName("p", SCHEMATIC, version),
    url: `${factory.url}/image/${SCHEMATIC}/v${version}/nocloud-amd64.iso`,
  });

  test("concurrent requests for one ISO share a single download; a later request reuses the file", async () => {
    const isos = new IsoShare(pve, { task: TASK });
    const before = factory.downloads();
    const volids = await Promise.all(Array.from({ length: 5 }, () => isos.ensure(target("golf", "1.11.6"))));
    assert.deepEqual(new Set(volids), new Set([`local:iso/${target("golf", "1.11.6").fileName}`]));
    assert.equal(factory.downloads() - before, 1);
    // A new process (new IsoShare) finds the file in the storage: the storage is the cross-process truth.
    await new IsoShare(pve, { task: TASK }).ensure(target("golf", "1.11.6"));
    assert.equal(factory.downloads() - before, 1);
    assert.ok(isos.recentlyUsed("golf", "local", false, target("golf", "1.11.6").fileName, 60_000));
  });

  test("a local storage gets one copy per node", async () => {
    const isos = new IsoShare(pve, { task: TASK });
    const before = factory.downloads();
    await Promise.all(["foxtrot", "hotel"].map((node) => isos.ensure(target(node, "1.12.0"))));
    assert.equal(factory.downloads() - before, 2);
  });

  test("a failed download rejects with task_failed and the next call downloads again", async () => {
    const isos = new IsoShare(pve, { task: TASK });
    sim.admin.injectFault({ endpoint: "download-url", taskFailure: "download failed: exit code 8", count: 1 });
    await assert.rejects(
      isos.ensure(target("golf", "1.13.0")),
      (err: Error & { code?: string }) => err.code === "task_failed",
    );
    assert.match(await isos.ensure(target("golf", "1.13.0")), /^local:iso\//);
  });

  test("a download that outlasts the wait is waited for again, not started a second time", async () => {
    // An image server that answers only when told to: the download is slower than the step's wait.
    const held: ServerResponse[] = [];
    let released = false;
    const answer = (res: ServerResponse) => res.end(Buffer.alloc(1024));
    const slow = createServer((_req, res) => (released ? answer(res) : held.push(res)));
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const release = () => {
      released = true;
      for (const res of held.splice(0)) answer(res);
    };
    try {
      const fileName = talosIsoFileName("p", SCHEMATIC, "1.14.0");
      const slowTarget = {
        node: "golf",
        storage: "local",
        shared: false,
        fileName,
        url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/nocloud-amd64.iso`,
      };
      const isos = new IsoShare(pve, { task: { timeoutMs: 30, pollMs: 2, maxPollMs: 5 } });
      const downloads = () =>
        sim.admin.snapshot().tasks.filter((t) => t.type === "download" && decodeURIComponent(t.id) === fileName).length;
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(isos.ensure(slowTarget), (err: Error & { code?: string }) => err.code === "timeout");
      }
      assert.equal(downloads(), 1, "the retry waited for the running download");
      release();
      // The server has answered; the download finishes on its own time: keep retrying as the image step would.
      let volid: string | undefined;
      for (let attempt = 0; volid === undefined && attempt < 300; attempt++) {
        volid = await isos.ensure(slowTarget).catch((err: Error & { code?: string }) => {
          if (err.code !== "timeout") throw err;
          return undefined;
        });
      }
      assert.equal(volid, `local:iso/${fileName}`);
      assert.equal(downloads(), 1);
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
