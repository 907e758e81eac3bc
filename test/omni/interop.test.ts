/**
 * Our Omni client against the Omni simulator over real gRPC, both h2c and TLS: every State method, the
 * read-modify-write helpers, watches (including resume after a simulator restart) and both management calls.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  MachineRequestStatusSpec_Stage,
  MachineRequestStatusSpecSchema,
} from "../../src/omni/gen/omni/specs/infra_pb.js";
import {
  allOf,
  eq,
  exists,
  InfraProviderStatuses,
  isOmniError,
  jsonCodec,
  LABEL_INFRA_PROVIDER_ID,
  LABEL_MACHINE_REQUEST,
  MachineRequestStatuses,
  MachineRequests,
  not,
  providerStateType,
  provisionControllerName,
  ResourceDefinitions,
  type WatchEvent,
} from "../../src/omni/index.ts";
import { type Harness, nextWithin, startHarness } from "./harness.ts";

/** Makes the server look like an older Omni that lacks one RPC. */
function unimplemented(method: string): Interceptor {
  return (next) => async (req) => {
    if (req.method.name === method) throw new ConnectError(`unknown method ${method}`, Code.Unimplemented);
    return next(req);
  };
}

const EMPTY_SCHEMATIC_ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const KERNEL_ARGS_SCHEMATIC_ID = "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c";

for (const tls of [false, true]) {
  describe(`Omni client ↔ simulator over ${tls ? "TLS (h2)" : "h2c"}`, () => {
    let h: Harness;
    const owner = provisionControllerName("proxmox");
    before(async () => {
      h = await startHarness({ tls });
    });
    after(async () => {
      await h.close();
    });

    it("creates, gets, lists, updates and destroys with COSI semantics", async () => {
      const spec = create(MachineRequestStatusSpecSchema, { stage: MachineRequestStatusSpec_Stage.PROVISIONING });
      const created = await h.state.create(
        MachineRequestStatuses,
        { metadata: { id: "crud-1", labels: { [LABEL_MACHINE_REQUEST]: "crud-1" } }, spec },
        { owner },
      );
      assert.equal(created.metadata.version, "1");
      assert.equal(created.metadata.owner, owner);
      assert.equal(created.metadata.labels[LABEL_INFRA_PROVIDER_ID], "proxmox", "Omni forces the provider label");
      assert.ok(created.metadata.created instanceof Date);

      await assert.rejects(
        h.state.create(MachineRequestStatuses, { metadata: { id: "crud-1" }, spec }, { owner }),
        (e) => isOmniError(e, "already_exists"),
      );

      const got = await h.state.get(MachineRequestStatuses, "crud-1");
      assert.equal(got.spec.stage, MachineRequestStatusSpec_Stage.PROVISIONING);

      got.spec.status = "Running Step";
      const updated = await h.state.update(MachineRequestStatuses, got, { owner, expectedPhase: "running" });
      assert.equal(updated.metadata.version, "2");
      assert.equal(updated.spec.status, "Running Step");

      await assert.rejects(h.state.update(MachineRequestStatuses, got, { owner }), (e) => isOmniError(e, "conflict"));
      await assert.rejects(h.state.update(MachineRequestStatuses, updated, { owner: "someone-else" }), (e) =>
        isOmniError(e, "owner_conflict"),
      );
      await assert.rejects(
        h.state.update(MachineRequestStatuses, updated, { owner, expectedPhase: "tearingDown" }),
        (e) => isOmniError(e, "phase_conflict"),
      );

      await h.state.create(
        MachineRequestStatuses,
        { metadata: { id: "crud-2", labels: { [LABEL_MACHINE_REQUEST]: "other" } }, spec },
        { owner },
      );
      const ids = async (opts: Parameters<typeof h.state.list>[1]) =>
        (await h.state.list(MachineRequestStatuses, opts)).map((r) => r.metadata.id).sort();
      assert.deepEqual(await ids({}), ["crud-1", "crud-2"]);
      assert.deepEqual(await ids({ labels: [allOf(eq(LABEL_MACHINE_REQUEST, "crud-1"))] }), ["crud-1"]);
      assert.deepEqual(await ids({ labels: [allOf(not(eq(LABEL_MACHINE_REQUEST, "crud-1")))] }), ["crud-2"]);
      assert.deepEqual(
        await ids({ labels: [allOf(eq(LABEL_MACHINE_REQUEST, "crud-1")), allOf(eq(LABEL_MACHINE_REQUEST, "other"))] }),
        ["crud-1", "crud-2"],
      );
      assert.deepEqual(await ids({ labels: [allOf(exists("nope"))] }), []);
      assert.deepEqual(await ids({ idRegexp: "-2$" }), ["crud-2"]);
      await assert.rejects(h.state.list(MachineRequestStatuses, { idRegexp: "(" }), (e) => isOmniError(e, "invalid"));

      await h.state.addFinalizer(MachineRequestStatuses, "crud-2", "test.Finalizer");
      await assert.rejects(h.state.destroy(MachineRequestStatuses, "crud-2", { owner }), (e) =>
        isOmniError(e, "conflict"),
      );
      await assert.rejects(h.state.destroy(MachineRequestStatuses, "crud-1", { owner: "x" }), (e) =>
        isOmniError(e, "owner_conflict"),
      );
      await h.state.destroy(MachineRequestStatuses, "crud-1", { owner });
      await assert.rejects(h.state.get(MachineRequestStatuses, "crud-1"), (e) => isOmniError(e, "not_found"));
      assert.equal(await h.state.find(MachineRequestStatuses, "crud-1"), undefined);
    });

    it("tears down with destroy_ready, and falls back to Get + Update when Teardown is unimplemented", async () => {
      const spec = MachineRequestStatuses.empty();
      for (const id of ["td-1", "td-2"]) {
        await h.state.create(MachineRequestStatuses, { metadata: { id, finalizers: ["hold"] }, spec }, { owner });
      }
      assert.equal(await h.state.teardown(MachineRequestStatuses, "td-1", { owner }), false);
      await h.state.removeFinalizer(MachineRequestStatuses, "td-1", "hold");
      assert.equal(await h.state.teardown(MachineRequestStatuses, "td-1", { owner }), true);
      await h.state.destroy(MachineRequestStatuses, "td-1", { owner });

      const old = h.connect({ interceptors: [unimplemented("Teardown")] });
      assert.equal(await old.state.teardown(MachineRequestStatuses, "td-2", { owner }), false);
      const torn = await h.state.get(MachineRequestStatuses, "td-2");
      assert.equal(torn.metadata.phase, "tearingDown");
      assert.equal(torn.metadata.version, "2");
      assert.equal(await old.state.teardown(MachineRequestStatuses, "td-2", { owner }), false, "idempotent");
      assert.equal((await h.state.get(MachineRequestStatuses, "td-2")).metadata.version, "2");
      await h.state.removeFinalizer(MachineRequestStatuses, "td-2", "hold");
      assert.equal(await old.state.teardown(MachineRequestStatuses, "td-2", { owner }), true);
      await assert.rejects(old.state.teardown(MachineRequestStatuses, "nope", { owner }), (e) =>
        isOmniError(e, "not_found"),
      );
    });

    it("modify creates, updates, and skips no-op updates", async () => {
      const first = await h.state.modify(InfraProviderStatuses, "proxmox", { owner: "" }, (r) => {
        r.spec.name = "Proxmox";
      });
      assert.equal(first.metadata.version, "1");
      const second = await h.state.modify(InfraProviderStatuses, "proxmox", { owner: "" }, (r) => {
        r.spec.version = "0.1.0";
      });
      assert.equal(second.metadata.version, "2");
      assert.equal(second.spec.name, "Proxmox");
      const same = await h.state.modify(InfraProviderStatuses, "proxmox", { owner: "" }, (r) => {
        r.spec.version = "0.1.0";
      });
      assert.equal(same.metadata.version, "2", "no-op modify does not write");
    });

    it("changes only finalizers on a MachineRequest, byte for byte, and tolerates vanished resources", async () => {
      const mr = h.omni.admin.createMachineRequest({ providerId: "proxmox", id: "fin-1", talosVersion: "1.13.8" });
      const finalizer = provisionControllerName("proxmox");
      await h.state.addFinalizer(MachineRequests, "fin-1", finalizer);
      await h.state.addFinalizer(MachineRequests, "fin-1", finalizer); // already there: no write
      const stored = h.omni.admin.get("infra-provider", MachineRequests.type, "fin-1")!;
      assert.deepEqual(stored.metadata.finalizers, [finalizer]);
      assert.equal(String(stored.metadata.version), "2");
      assert.deepEqual(stored.spec.protoSpec, mr.spec.protoSpec);
      assert.deepEqual(stored.metadata.labels, mr.metadata.labels);
      const typed = await h.state.get(MachineRequests, "fin-1");
      assert.equal(typed.spec.talosVersion, "1.13.8");
      await h.state.removeFinalizer(MachineRequests, "fin-1", finalizer);
      await h.state.removeFinalizer(MachineRequests, "fin-1", finalizer);
      assert.deepEqual(h.omni.admin.get("infra-provider", MachineRequests.type, "fin-1")!.metadata.finalizers, []);
      await h.state.removeFinalizer(MachineRequests, "never-existed", finalizer);
      await h.state.addFinalizer(MachineRequests, "never-existed", finalizer);
    });

    it("reads shared resources and stores provider-defined specs opaquely", async () => {
      const defs = await h.state.list(ResourceDefinitions);
      assert.ok(defs.some((d) => d.metadata.id === "providerjoinconfigs.omni.sidero.dev"));
      const MachineState = providerStateType(
        "proxmox",
        "Machine",
        jsonCodec(() => ({ vmid: 0, node: "" })),
      );
      await h.state.create(MachineState, { metadata: { id: "vm-1" }, spec: { vmid: 101, node: "pve1" } }, { owner });
      const back = await h.state.get(MachineState, "vm-1");
      assert.deepEqual(back.spec, { vmid: 101, node: "pve1" });
      assert.equal(back.metadata.namespace, "infra-provider:proxmox");
    });

    it("watches a kind with bootstrap, live events with bookmarks, and a single resource", async () => {
      const ctrl = new AbortController();
      const it = h.state
        .watch(MachineRequestStatuses, { bootstrapContents: true, aggregated: true, idRegexp: "^w-" }, ctrl.signal)
        [Symbol.asyncIterator]();
      const boot = await nextWithin(it);
      assert.equal(boot.type, "bootstrapped");
      assert.ok(boot.bookmark);
      const spec = { ...MachineRequestStatuses.empty(), status: "one" };
      await h.state.create(MachineRequestStatuses, { metadata: { id: "w-1" }, spec }, { owner });
      const ev = await nextWithin(it);
      assert.equal(ev.type, "created");
      assert.equal(ev.resource?.metadata.id, "w-1");
      assert.equal(ev.resource?.spec.status, "one");
      assert.ok(ev.bookmark && ev.bookmark.length > 0);

      const one = h.state.watch(MachineRequestStatuses, { id: "w-1" }, ctrl.signal)[Symbol.asyncIterator]();
      const initial = await nextWithin(one);
      assert.equal(initial.type, "created");
      assert.equal(initial.resource?.metadata.id, "w-1");

      await h.state.modify(MachineRequestStatuses, "w-1", { owner }, (r) => {
        r.spec.status = "two";
      });
      const upd = await nextWithin(it);
      assert.equal(upd.type, "updated");
      assert.equal(upd.old?.spec.status, "one");
      assert.equal(upd.resource?.spec.status, "two");
      assert.equal((await nextWithin(one)).type, "updated");
      ctrl.abort();
      assert.equal((await it.next()).done, true, "abort ends the iteration quietly");
    });

    it("resumes a watch after the simulator restarts, without missing or repeating events", async () => {
      const ctrl = new AbortController();
      const seen: WatchEvent<unknown>[] = [];
      const it = h.state
        .watch(MachineRequestStatuses, { bootstrapBookmark: true, aggregated: true }, ctrl.signal)
        [Symbol.asyncIterator]();
      const noop = await nextWithin(it);
      assert.equal(noop.type, "noop");
      assert.ok(noop.bookmark);
      const spec = MachineRequestStatuses.empty();
      await h.state.create(MachineRequestStatuses, { metadata: { id: "rs-1" }, spec }, { owner });
      seen.push(await nextWithin(it));

      const restarted = h.omni.restart();
      // Written while the stream is down: must arrive once, after the resume.
      await restarted;
      await h.state.create(MachineRequestStatuses, { metadata: { id: "rs-2" }, spec }, { owner });
      await h.state.create(MachineRequestStatuses, { metadata: { id: "rs-3" }, spec }, { owner });
      seen.push(await nextWithin(it), await nextWithin(it));
      await h.state.destroy(MachineRequestStatuses, "rs-1", { owner });
      seen.push(await nextWithin(it));
      ctrl.abort();
      assert.deepEqual(
        seen.map((e) => `${e.type}:${e.resource?.metadata.id}`),
        ["created:rs-1", "created:rs-2", "created:rs-3", "destroyed:rs-1"],
      );
    });

    it("ends a watch with failed_precondition on an unknown bookmark", async () => {
      const ctrl = new AbortController();
      const it = h.state
        .watch(MachineRequestStatuses, { startFromBookmark: new Uint8Array([1, 2, 3]) }, ctrl.signal)
        [Symbol.asyncIterator]();
      await assert.rejects(nextWithin(it), (e) => isOmniError(e, "failed_precondition"));
      ctrl.abort();
    });

    it("creates schematics and resolves boot asset URLs, with the client-side fallback matching Omni", async () => {
      assert.equal(await h.management.createSchematicFromRaw("customization: {}\n", "1.13.8"), EMPTY_SCHEMATIC_ID);
      assert.equal(
        await h.management.createSchematicFromRaw("customization:\n  extraKernelArgs: [noapic, nolapic]\n"),
        KERNEL_ARGS_SCHEMATIC_ID,
      );
      assert.equal(
        await h.management.createSchematicFromRaw("customization:\n  meta:\n    - key: 10\n      value: foo\n"),
        "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f",
      );
      assert.equal(
        await h.management.createSchematicFromRaw(
          JSON.stringify({ overlay: { name: "rpi_generic", image: "siderolabs/sbc-raspberrypi" } }),
        ),
        "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9",
      );
      await assert.rejects(h.management.createSchematicFromRaw("bogus: 1\n"), (e) => isOmniError(e));

      const request = {
        kind: "iso" as const,
        talosVersion: "1.13.8",
        schematicId: EMPTY_SCHEMATIC_ID,
        platform: "nocloud",
        architecture: "amd64",
      };
      const fromOmni = await h.management.getBootAssetURL(request);
      assert.equal(fromOmni.source, "omni");
      assert.equal(fromOmni.url, `https://factory.talos.dev/image/${EMPTY_SCHEMATIC_ID}/v1.13.8/nocloud-amd64.iso`);
      await assert.rejects(h.management.getBootAssetURL({ ...request, platform: "../x" }), (e) =>
        isOmniError(e, "invalid"),
      );

      const old = h.connect({ interceptors: [unimplemented("GetBootAssetURL")] });
      for (const variant of [request, { ...request, kind: "pxe" as const, platform: "metal" }]) {
        const omniAnswer = await h.management.getBootAssetURL(variant);
        const computed = await old.management.getBootAssetURL(variant);
        assert.equal(computed.source, "fallback");
        assert.equal(computed.url, omniAnswer.url);
        assert.equal(computed.storageKey, omniAnswer.storageKey);
        assert.equal(computed.imageFactoryHost, omniAnswer.imageFactoryHost);
      }
    });
  });
}
