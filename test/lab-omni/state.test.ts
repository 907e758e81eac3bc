import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { LABEL_OP } from "../../src/lab/omni/index.ts";
import { State } from "../../src/omni/gen/v1alpha1/state_pb.js";
import { type Fixture, resourceFor, startFixture } from "./fixture.ts";
import { signingInterceptor } from "./signer.ts";

const NS = "infra-provider:proxmox";
const TYPE = "Machine.proxmox.infraprovider.sidero.dev";
const OWNER = "proxmox.ProvisionController";

/** The (namespace, type, id) part of a request that also carries options. */
const ref = ({ namespace, type, id }: { namespace: string; type: string; id: string }) => ({ namespace, type, id });

async function code(call: Promise<unknown>): Promise<Code> {
  const error = await call.then(
    () => assert.fail("call should have been rejected"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectError, String(error));
  return error.code;
}

describe("COSI state semantics over gRPC (§3.5)", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.omni.close());

  it("creates with version 1, the create owner and timestamps; refuses duplicates", async () => {
    const before = Date.now();
    const res = await f.state.create({ resource: resourceFor(NS, TYPE, "a"), options: { owner: OWNER } });
    const m = res.resource!.metadata!;
    assert.equal(m.version, "1");
    assert.equal(m.owner, OWNER);
    assert.ok(Number(m.created!.seconds) * 1000 >= before - 1000);
    assert.deepEqual(res.resource!.spec!.protoSpec, new Uint8Array([10, 2, 104, 105]));
    assert.equal(
      await code(f.state.create({ resource: resourceFor(NS, TYPE, "a"), options: { owner: OWNER } })),
      Code.AlreadyExists,
    );
    const conflicting = resourceFor(NS, TYPE, "b", { owner: "someone" });
    assert.equal(
      await code(f.state.create({ resource: conflicting, options: { owner: OWNER } })),
      Code.PermissionDenied,
    );
  });

  it("rejects malformed resources (empty version, empty phase, missing spec)", async () => {
    assert.equal(await code(f.state.create({ resource: resourceFor(NS, TYPE, "v", { version: "" }) })), Code.Unknown);
    assert.equal(await code(f.state.create({ resource: resourceFor(NS, TYPE, "p", { phase: "" }) })), Code.Unknown);
    const { spec: _spec, ...noSpec } = resourceFor(NS, TYPE, "s");
    assert.equal(await code(f.state.create({ resource: noSpec })), Code.Unknown);
  });

  it("updates with owner, version and optional expected-phase checks", async () => {
    const created = (await f.state.create({ resource: resourceFor(NS, TYPE, "u"), options: { owner: OWNER } }))
      .resource!;
    assert.equal(await code(f.state.update({ newResource: created, options: { owner: "" } })), Code.PermissionDenied);
    const stale = structuredClone(created);
    stale.metadata!.version = "7";
    assert.equal(
      await code(f.state.update({ newResource: stale, options: { owner: OWNER } })),
      Code.FailedPrecondition,
    );
    assert.equal(
      await code(f.state.update({ newResource: created, options: { owner: OWNER, expectedPhase: "tearingDown" } })),
      Code.InvalidArgument,
    );
    const v2 = (await f.state.update({ newResource: created, options: { owner: OWNER, expectedPhase: "running" } }))
      .resource!;
    assert.equal(v2.metadata!.version, "2", "a no-op update still bumps the version");
    assert.deepEqual(v2.metadata!.created, created.metadata!.created);
    const v3 = (await f.state.update({ newResource: v2, options: { owner: OWNER } })).resource!;
    assert.equal(v3.metadata!.version, "3");
  });

  it("blocks destroy on finalizers; teardown reports destroy_ready", async () => {
    const created = (
      await f.state.create({
        resource: resourceFor(NS, TYPE, "d", { finalizers: ["keep", "keep"] }),
        options: { owner: OWNER },
      })
    ).resource!;
    assert.deepEqual(created.metadata!.finalizers, ["keep"], "finalizers are a set");
    const del = { namespace: NS, type: TYPE, id: "d", options: { owner: OWNER } };
    assert.equal(await code(f.state.destroy(del)), Code.FailedPrecondition);
    assert.equal(await code(f.state.teardown({ ...del, options: { owner: "x" } })), Code.PermissionDenied);
    assert.equal((await f.state.teardown(del)).destroyReady, false);
    assert.equal((await f.state.teardown(del)).destroyReady, false, "idempotent");
    const torn = (await f.state.get(ref(del))).resource!;
    assert.equal(torn.metadata!.phase, "tearingDown");
    assert.equal(torn.metadata!.version, "2", "second teardown changed nothing");
    assert.equal(
      await code(f.state.update({ newResource: torn, options: { owner: OWNER, expectedPhase: "running" } })),
      Code.InvalidArgument,
    );
    torn.metadata!.finalizers = [];
    await f.state.update({ newResource: torn, options: { owner: OWNER } });
    assert.equal((await f.state.teardown(del)).destroyReady, true);
    await f.state.destroy(del);
    assert.equal(await code(f.state.get(ref(del))), Code.NotFound);
    assert.equal(await code(f.state.destroy(del)), Code.NotFound);
  });

  it("TeardownAndDestroy waits for finalizers to go", async () => {
    await f.state.create({ resource: resourceFor(NS, TYPE, "tad", { finalizers: ["f"] }), options: { owner: OWNER } });
    const req = { namespace: NS, type: TYPE, id: "tad", options: { owner: OWNER } };
    let done = false;
    const pending = f.state.teardownAndDestroy(req).then(() => {
      done = true;
    });
    // Wait until the teardown half has happened, then release the finalizer.
    for (;;) {
      const current = (await f.state.get(ref(req))).resource!;
      if (current.metadata!.phase === "tearingDown") {
        assert.equal(done, false);
        current.metadata!.finalizers = [];
        await f.state.update({ newResource: current, options: { owner: OWNER } });
        break;
      }
    }
    await pending;
    assert.equal(await code(f.state.get(ref(req))), Code.NotFound);
  });

  it("lists with label queries (OR of AND-ed terms, inversion rules) and ID regexps", async () => {
    const labelled: [string, Record<string, string>][] = [
      ["q1", { tier: "a", n: "5" }],
      ["q2", { tier: "b", n: "10" }],
      ["q3", { tier: "c", n: "x" }],
      ["q4", {}],
    ];
    for (const [id, labels] of labelled) {
      await f.state.create({ resource: resourceFor(NS, TYPE, id, { labels }), options: { owner: OWNER } });
    }
    const ids = async (
      labelQuery: { terms: { key: string; op: number; value?: string[]; invert?: boolean }[] }[],
      regexp = "",
    ) => {
      const out: string[] = [];
      const stream = f.state.list({
        namespace: NS,
        type: TYPE,
        options: { labelQuery, idQuery: { regexp: regexp || "^q" } },
      });
      for await (const r of stream) out.push(r.resource!.metadata!.id);
      return out.join(",");
    };
    const t = (key: string, op: number, value: string[] = [], invert = false) => ({ key, op, value, invert });
    assert.equal(await ids([]), "q1,q2,q3,q4");
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.exists)] }]), "q1,q2,q3");
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.exists, [], true)] }]), "q4");
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.notExists)] }]), "q4");
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.equal, ["a"])] }]), "q1");
    assert.equal(
      await ids([{ terms: [t("tier", LABEL_OP.equal, ["a"], true)] }]),
      "q2,q3,q4",
      "inverted EQUAL matches missing",
    );
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.in, ["a", "c"])] }]), "q1,q3");
    assert.equal(await ids([{ terms: [t("tier", LABEL_OP.in, ["a", "c"], true)] }]), "q2,q4");
    assert.equal(await ids([{ terms: [t("n", LABEL_OP.lt, ["5"])] }]), "q2", '"10" < "5" byte-wise');
    assert.equal(await ids([{ terms: [t("n", LABEL_OP.lte, ["5"], true)] }]), "q3", "comparison never matches missing");
    assert.equal(await ids([{ terms: [t("n", LABEL_OP.ltNumeric, ["10"])] }]), "q1");
    assert.equal(await ids([{ terms: [t("n", LABEL_OP.lteNumeric, ["10"])] }]), "q1,q2");
    assert.equal(await ids([{ terms: [t("n", LABEL_OP.ltNumeric, ["10"], true)] }]), "q2", "non-numbers never match");
    assert.equal(
      await ids([
        { terms: [t("tier", LABEL_OP.equal, ["a"])] },
        { terms: [t("tier", LABEL_OP.equal, ["b"]), t("n", LABEL_OP.equal, ["10"])] },
      ]),
      "q1,q2",
    );
    assert.equal(await ids([], "[34]$"), "q3,q4");
    const bad = f.state.list({ namespace: NS, type: TYPE, options: { idQuery: { regexp: "(" } } });
    assert.equal(await code(bad[Symbol.asyncIterator]().next()), Code.InvalidArgument);
  });

  it("accepts gzip-compressed requests", async () => {
    const transport = createGrpcTransport({
      baseUrl: f.omni.url,
      sendCompression: compressionGzip,
      acceptCompression: [compressionGzip],
      interceptors: [signingInterceptor(f.account)],
    });
    const client = createClient(State, transport);
    const big = resourceFor(NS, TYPE, "gz", { proto: new Uint8Array(64 * 1024).fill(7) });
    const res = await client.create({ resource: big, options: { owner: OWNER } });
    assert.equal(res.resource!.spec!.protoSpec.length, 64 * 1024);
  });
});
