/**
 * Watch recovery: a server-side buffer overrun (ERRORED is surfaced, then the stream resumes from the bookmark),
 * a drop before any bookmark (thrown to the caller), and an Omni that stays down (given up after max elapsed).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Interceptor } from "@connectrpc/connect";
import { startOmniSimulator } from "../../src/lab/omni/index.ts";
import {
  createOmniTransport,
  isOmniError,
  MachineRequestStatuses,
  parseServiceAccountKey,
  StateClient,
  type WatchEvent,
} from "../../src/omni/index.ts";
import { type Harness, nextWithin, startHarness } from "./harness.ts";

describe("watch ERRORED handling", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tls: false, eventBuffer: 2 });
  });
  after(async () => {
    await h.close();
  });

  it("yields the ERRORED event, re-opens from the last bookmark and delivers every event exactly once", async () => {
    const ctrl = new AbortController();
    const it = h.state.watch(MachineRequestStatuses, { bootstrapBookmark: true }, ctrl.signal)[Symbol.asyncIterator]();
    assert.equal((await nextWithin(it)).type, "noop");
    const ids = ["e-1", "e-2", "e-3", "e-4", "e-5", "e-6"];
    // Committed synchronously, faster than the server drains its queue of 2: the stream overruns.
    for (const id of ids) {
      h.omni.admin.create({
        namespace: "infra-provider",
        type: MachineRequestStatuses.type,
        id,
        labels: { "omni.sidero.dev/infra-provider-id": "proxmox" },
      });
    }
    const events: WatchEvent<unknown>[] = [];
    while (events.filter((e) => e.type === "created").length < ids.length) events.push(await nextWithin(it));
    ctrl.abort();
    assert.ok(
      events.some((e) => e.type === "errored" && /overrun/.test(e.error ?? "")),
      "ERRORED surfaced",
    );
    const created = events.filter((e) => e.type === "created").map((e) => e.resource?.metadata.id);
    assert.deepEqual(created, ids, "every event once, in order, despite the re-watch");
  });
});

describe("watch failures that cannot be resumed", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tls: false });
  });
  after(async () => {
    await h.close();
  });

  it("throws when the stream drops before any bookmark was seen", async () => {
    // Resolves once the server has answered the Watch call (headers and the empty first message).
    const opened = Promise.withResolvers<void>();
    const onWatchOpen: Interceptor = (next) => async (req) => {
      const res = await next(req);
      if (req.method.name === "Watch") opened.resolve();
      return res;
    };
    const { state } = h.connect({ interceptors: [onWatchOpen] });
    const ctrl = new AbortController();
    const it = state.watch(MachineRequestStatuses, {}, ctrl.signal)[Symbol.asyncIterator]();
    const rejected = assert.rejects(it.next(), (e) => isOmniError(e, "unavailable"));
    await opened.promise;
    await h.omni.restart();
    await rejected;
    ctrl.abort();
  });

  it("gives up once Omni stays unreachable longer than the retry budget", async () => {
    const omni = await startOmniSimulator();
    omni.registerProvider("proxmox");
    const key = await parseServiceAccountKey(await omni.mintProviderKey("proxmox"));
    const transport = createOmniTransport({ endpoint: omni.url, key });
    const state = new StateClient(transport, "proxmox", {
      watchRetry: { initialMs: 5, maxIntervalMs: 20, maxElapsedMs: 200 },
    });
    const ctrl = new AbortController();
    try {
      const it = state.watch(MachineRequestStatuses, { bootstrapBookmark: true }, ctrl.signal)[Symbol.asyncIterator]();
      assert.equal((await nextWithin(it)).type, "noop");
      const rejected = assert.rejects(it.next(), (e) => isOmniError(e, "unavailable"));
      await omni.close();
      await rejected;
    } finally {
      ctrl.abort();
      transport.close();
    }
  });
});
