import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { LABEL, LABEL_OP, NS as OMNI_NS, TYPE as OMNI_TYPE } from "../../src/lab/omni/index.ts";
import type { WatchRequestSchema } from "../../src/omni/gen/v1alpha1/state_pb.js";
import { EventType, type WatchResponse } from "../../src/omni/gen/v1alpha1/state_pb.js";
import { type Fixture, resourceFor, startFixture } from "./fixture.ts";

const NS = "infra-provider:proxmox";
const TYPE = "Machine.proxmox.infraprovider.sidero.dev";
const OWNER = "proxmox.ProvisionController";

type WatchInit = MessageInitShape<typeof WatchRequestSchema>;

/** A watch stream read one message at a time, cancelled by `stop()`. */
function openStream(f: Fixture, request: WatchInit) {
  const abort = new AbortController();
  const iterator = f.state.watch(request, { signal: abort.signal })[Symbol.asyncIterator]();
  return {
    async next(): Promise<WatchResponse> {
      const r = await iterator.next();
      assert.equal(r.done, false, "stream ended unexpectedly");
      return r.value as WatchResponse;
    },
    raw: iterator,
    stop: () => abort.abort(),
  };
}

const summary = (res: WatchResponse) =>
  res.event.map((e) => `${EventType[e.eventType]}:${e.resource?.metadata?.id ?? ""}`).join(" ");

const kindWatch = (options: WatchInit["options"] = {}, apiVersion = 1): WatchInit => ({
  namespace: NS,
  type: TYPE,
  options,
  apiVersion,
});

async function createMachine(f: Fixture, id: string, labels: Record<string, string> = {}) {
  return (await f.state.create({ resource: resourceFor(NS, TYPE, id, { labels }), options: { owner: OWNER } }))
    .resource!;
}

describe("watch semantics (§3.7)", () => {
  let f: Fixture;
  const streams: { stop(): void }[] = [];
  before(async () => {
    f = await startFixture();
    await createMachine(f, "m2");
    await createMachine(f, "m1");
  });
  afterEach(() => {
    for (const s of streams.splice(0)) s.stop();
  });
  after(() => f.omni.close());

  const watch = (request: WatchInit) => {
    const s = openStream(f, request);
    streams.push(s);
    return s;
  };

  it("bootstraps sorted contents, then a BOOTSTRAPPED tombstone with a bookmark, then live events", async () => {
    const s = watch(kindWatch({ bootstrapContents: true }));
    assert.equal((await s.next()).event.length, 0, "empty first message");
    assert.equal(summary(await s.next()), "CREATED:m1");
    assert.equal(summary(await s.next()), "CREATED:m2");
    const boot = (await s.next()).event[0]!;
    assert.equal(boot.eventType, EventType.BOOTSTRAPPED);
    assert.equal(boot.resource?.metadata?.id, "");
    assert.equal(boot.resource?.metadata?.version, "undefined");
    assert.ok(boot.bookmark && boot.bookmark.length > 0);
    await createMachine(f, "m3");
    const created = (await s.next()).event[0]!;
    assert.equal(summary({ event: [created] } as unknown as WatchResponse), "CREATED:m3");
    assert.ok(created.bookmark);
    const updated = await f.state.update({ newResource: created.resource!, options: { owner: OWNER } });
    const upd = (await s.next()).event[0]!;
    assert.equal(upd.eventType, EventType.UPDATED);
    assert.equal(upd.old?.metadata?.version, "1");
    assert.equal(upd.resource?.metadata?.version, updated.resource?.metadata?.version);
    await f.state.destroy({ namespace: NS, type: TYPE, id: "m3", options: { owner: OWNER } });
    const gone = (await s.next()).event[0]!;
    assert.equal(gone.eventType, EventType.DESTROYED);
    assert.equal(gone.resource?.metadata?.version, "2", "last state");
  });

  it("aggregates the bootstrap into one message and sends NOOP for bootstrap_bookmark", async () => {
    const s = watch(kindWatch({ bootstrapContents: true, aggregated: true, bootstrapBookmark: true }));
    assert.equal((await s.next()).event.length, 0);
    assert.equal(summary(await s.next()), "CREATED:m1 CREATED:m2 BOOTSTRAPPED: NOOP:");
  });

  it("hides BOOTSTRAPPED from api_version 0 clients", async () => {
    const s = watch(kindWatch({ bootstrapContents: true, aggregated: true }, 0));
    await s.next();
    assert.equal(summary(await s.next()), "CREATED:m1 CREATED:m2");
  });

  it("replays tail events", async () => {
    const s = watch(kindWatch({ tailEvents: 1 }));
    await s.next();
    assert.equal(summary(await s.next()), "DESTROYED:m3");
  });

  it("fails the first receive on an unknown bookmark", async () => {
    const s = watch(kindWatch({ startFromBookmark: new TextEncoder().encode("deadbeef:1") }));
    const error = await s.raw.next().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.FailedPrecondition);
  });

  it("turns label-query transitions into CREATED/DESTROYED", async () => {
    const s = watch(kindWatch({ labelQuery: [{ terms: [{ key: "pick", op: LABEL_OP.exists, value: [] }] }] }));
    await s.next();
    const m = await createMachine(f, "lq");
    m.metadata!.labels.pick = "yes";
    const v2 = (await f.state.update({ newResource: m, options: { owner: OWNER } })).resource!;
    const enter = (await s.next()).event[0]!;
    assert.equal(enter.eventType, EventType.CREATED);
    assert.equal(enter.old, undefined);
    delete v2.metadata!.labels.pick;
    await f.state.update({ newResource: v2, options: { owner: OWNER } });
    assert.equal(summary(await s.next()), "DESTROYED:lq");
  });

  it("single-resource watch: current state first; bootstrap/queries unimplemented", async () => {
    const s = watch({ namespace: NS, type: TYPE, id: "m1", apiVersion: 1 });
    await s.next();
    assert.equal(summary(await s.next()), "CREATED:m1");
    const missing = watch({ namespace: NS, type: TYPE, id: "nope", apiVersion: 1 });
    await missing.next();
    assert.equal(summary(await missing.next()), "DESTROYED:nope");
    const bad = watch({ namespace: NS, type: TYPE, id: "m1", options: { bootstrapContents: true }, apiVersion: 1 });
    const error = await bad.raw.next().catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.Unimplemented);
  });

  it("filters shared-namespace events for providers, with empty aggregated batches", async () => {
    const s = watch({
      namespace: OMNI_NS.infra,
      type: OMNI_TYPE.machineRequest,
      options: { aggregated: true, bootstrapBookmark: true },
      apiVersion: 1,
    });
    await s.next();
    assert.equal(summary(await s.next()), "NOOP:");
    f.omni.registerProvider("other");
    f.omni.admin.createMachineRequest({ providerId: "other", id: "foreign-bcdfgh" });
    assert.equal((await s.next()).event.length, 0, "foreign event filtered to an empty batch");
    f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "own-bcdfgh" });
    assert.equal(summary(await s.next()), "CREATED:own-bcdfgh");
    const single = watch({ namespace: OMNI_NS.infra, type: OMNI_TYPE.machineRequest, id: "absent", apiVersion: 1 });
    await single.next();
    f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "absent" });
    const first = await single.next();
    assert.equal(summary(first), "CREATED:absent", "no initial tombstone for providers");
    assert.equal(first.event[0]!.resource!.metadata!.labels[LABEL.infraProviderId], "proxmox");
  });

  it("sends ERRORED when a consumer falls behind", async () => {
    const stream = f.omni.admin.watch({ namespace: NS, type: TYPE }, 3);
    for (let i = 0; i < 5; i++) await createMachine(f, `slow${i}`);
    const batch = await stream.next(new AbortController().signal);
    assert.equal(batch?.[0]?.type, "errored");
    assert.match(batch?.[0]?.error ?? "", /overrun/);
    assert.equal(await stream.next(new AbortController().signal), undefined, "stream ends after ERRORED");
  });
});

describe("watch over a gRPC stream with a slow reader", () => {
  it("ends the stream with ERRORED once the server-side buffer overruns", async () => {
    const f = await startFixture("proxmox", { eventBuffer: 8 });
    try {
      const s = openStream(f, kindWatch({}));
      await s.next();
      const padding = new Uint8Array(16 * 1024);
      for (let i = 0; i < 64; i++) {
        f.omni.admin.create({ namespace: NS, type: TYPE, id: `bulk${String(i).padStart(3, "0")}`, protoSpec: padding });
      }
      let last: WatchResponse | undefined;
      for (;;) {
        const r = await s.raw.next();
        if (r.done) break;
        last = r.value as WatchResponse;
      }
      assert.equal(last?.event[0]?.eventType, EventType.ERRORED);
      s.stop();
    } finally {
      await f.omni.close();
    }
  });
});

describe("watch resume across a simulator restart", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "omni-sim-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("resumes from the last bookmark without missed or duplicated events; versions persist", async () => {
    const f = await startFixture("proxmox", { dataDir: dir });
    try {
      const s = openStream(f, kindWatch({ bootstrapBookmark: true }));
      await s.next();
      let bookmark = (await s.next()).event[0]!.bookmark!;
      const a = await createMachine(f, "r1");
      const seen: string[] = [];
      const e1 = (await s.next()).event[0]!;
      seen.push(`${EventType[e1.eventType]}:${e1.resource!.metadata!.id}@${e1.resource!.metadata!.version}`);
      bookmark = e1.bookmark!;
      // Changes the client has not received yet when the simulator goes down.
      const a2 = (await f.state.update({ newResource: a, options: { owner: OWNER } })).resource!;
      await createMachine(f, "r2");
      await f.omni.restart();
      const dropped = await s.raw.next().then(
        (r) => (r.done ? "ended" : "more"),
        () => "errored",
      );
      assert.notEqual(dropped, "more", "the old stream does not survive a restart");
      // Changes after the restart.
      await f.state.update({ newResource: a2, options: { owner: OWNER } });
      await f.state.destroy({ namespace: NS, type: TYPE, id: "r2", options: { owner: OWNER } });

      const resumed = openStream(f, kindWatch({ startFromBookmark: bookmark }));
      assert.equal((await resumed.next()).event.length, 0);
      for (let i = 0; i < 4; i++) {
        const e = (await resumed.next()).event[0]!;
        seen.push(`${EventType[e.eventType]}:${e.resource!.metadata!.id}@${e.resource!.metadata!.version}`);
      }
      assert.deepEqual(seen, ["CREATED:r1@1", "UPDATED:r1@2", "CREATED:r2@1", "UPDATED:r1@3", "DESTROYED:r2@1"]);
      resumed.stop();
      s.stop();
    } finally {
      await f.omni.close();
    }
    // A fresh simulator on the same data directory still honours the old bookmark space and versions.
    const again = await startFixture("proxmox", { dataDir: dir });
    try {
      const r1 = await again.state.get({ namespace: NS, type: TYPE, id: "r1" });
      assert.equal(r1.resource?.metadata?.version, "3");
    } finally {
      await again.omni.close();
    }
  });
});
