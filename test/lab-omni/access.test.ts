import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeMachineRequestSpec, LABEL, NS, TYPE } from "../../src/lab/omni/index.ts";
import { type Fixture, resourceFor, startFixture } from "./fixture.ts";
import { parseServiceAccountKey } from "./signer.ts";

async function code(call: Promise<unknown>): Promise<Code> {
  const error = await call.then(
    () => assert.fail("call should have been rejected"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectError, String(error));
  return error.code;
}

describe("provider access rules (§5, acceptance 3)", () => {
  let f: Fixture;
  let mrId: string;
  before(async () => {
    f = await startFixture("proxmox");
    f.omni.registerProvider("other");
    mrId = f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "workers-abcdef" }).metadata.id;
    f.omni.admin.createMachineRequest({ providerId: "other", id: "theirs-bcdfgh" });
  });
  after(() => f.omni.close());

  it("cannot read another provider's resources (NOT_FOUND, filtered from List)", async () => {
    assert.equal(
      await code(f.state.get({ namespace: NS.infra, type: TYPE.machineRequest, id: "theirs-bcdfgh" })),
      Code.NotFound,
    );
    const ids: string[] = [];
    for await (const r of f.state.list({ namespace: NS.infra, type: TYPE.machineRequest }))
      ids.push(r.resource!.metadata!.id);
    assert.deepEqual(ids, [mrId]);
    const own = await f.state.get({ namespace: NS.infra, type: TYPE.machineRequest, id: mrId });
    assert.equal(own.resource?.metadata?.id, mrId);
  });

  it("cannot create MachineRequests", async () => {
    const mr = resourceFor(NS.infra, TYPE.machineRequest, "mine-zzzzzz", {
      proto: encodeMachineRequestSpec({ talosVersion: "1.13.8" }),
    });
    assert.equal(await code(f.state.create({ resource: mr })), Code.PermissionDenied);
  });

  it("cannot change a MachineRequest except its finalizers", async () => {
    const current = (await f.state.get({ namespace: NS.infra, type: TYPE.machineRequest, id: mrId })).resource!;
    const relabelled = structuredClone(current);
    relabelled.metadata!.labels.extra = "x";
    assert.equal(
      await code(f.state.update({ newResource: relabelled, options: { owner: "" } })),
      Code.PermissionDenied,
    );
    const tornDown = structuredClone(current);
    tornDown.metadata!.phase = "tearingDown";
    assert.equal(await code(f.state.update({ newResource: tornDown, options: { owner: "" } })), Code.PermissionDenied);
    assert.equal(
      await code(
        f.state.teardown({ namespace: NS.infra, type: TYPE.machineRequest, id: mrId, options: { owner: "" } }),
      ),
      Code.PermissionDenied,
    );
    assert.equal(
      await code(f.state.destroy({ namespace: NS.infra, type: TYPE.machineRequest, id: mrId, options: { owner: "" } })),
      Code.PermissionDenied,
    );
    const finalized = structuredClone(current);
    finalized.metadata!.finalizers.push("proxmox.ProvisionController");
    const res = await f.state.update({ newResource: finalized, options: { owner: "" } });
    assert.equal(res.resource?.metadata?.version, String(Number(current.metadata!.version) + 1));
    assert.deepEqual(res.resource?.metadata?.finalizers, ["proxmox.ProvisionController"]);
  });

  it("cannot add a finalizer to another provider's MachineRequest", async () => {
    const theirs = f.omni.admin.get(NS.infra, TYPE.machineRequest, "theirs-bcdfgh")!;
    const wire = resourceFor(NS.infra, TYPE.machineRequest, "theirs-bcdfgh", {
      version: String(theirs.metadata.version),
      labels: theirs.metadata.labels,
      finalizers: ["proxmox.ProvisionController"],
      proto: theirs.spec.protoSpec,
    });
    assert.equal(await code(f.state.update({ newResource: wire, options: { owner: "" } })), Code.NotFound);
  });

  it("gets infra-provider-id forced on create (and on update)", async () => {
    const created = await f.state.create({
      resource: resourceFor(NS.infra, TYPE.machineRequestStatus, mrId, {
        labels: { [LABEL.infraProviderId]: "other", a: "b" },
      }),
      options: { owner: "proxmox.ProvisionController" },
    });
    assert.equal(created.resource?.metadata?.labels[LABEL.infraProviderId], "proxmox");
    assert.equal(created.resource?.metadata?.labels.a, "b");
    assert.equal(created.resource?.metadata?.owner, "proxmox.ProvisionController");
    const next = structuredClone(created.resource!);
    delete next.metadata!.labels[LABEL.infraProviderId];
    const updated = await f.state.update({ newResource: next, options: { owner: "proxmox.ProvisionController" } });
    assert.equal(updated.resource?.metadata?.labels[LABEL.infraProviderId], "proxmox");
  });

  it("cannot use a foreign provider namespace", async () => {
    const r = resourceFor("infra-provider:other", "Machine.other.infraprovider.sidero.dev", "x");
    assert.equal(await code(f.state.create({ resource: r })), Code.PermissionDenied);
    assert.equal(
      await code(
        f.state.get({ namespace: "infra-provider:other", type: "Machine.other.infraprovider.sidero.dev", id: "x" }),
      ),
      Code.PermissionDenied,
    );
  });

  it("cannot use a type without its suffix in its own namespace", async () => {
    const bad = resourceFor("infra-provider:proxmox", "Machine.infraprovider.sidero.dev", "x");
    assert.equal(await code(f.state.create({ resource: bad })), Code.InvalidArgument);
    const good = resourceFor("infra-provider:proxmox", "Machine.proxmox.infraprovider.sidero.dev", "x");
    const created = await f.state.create({ resource: good, options: { owner: "proxmox.ProvisionController" } });
    assert.deepEqual(created.resource?.metadata?.labels, {}, "no label forcing in the private namespace");
  });

  it("checks IDs of provider-named types", async () => {
    const wrong = resourceFor(NS.infra, TYPE.providerStatus, "someone-else");
    assert.equal(await code(f.state.create({ resource: wrong })), Code.InvalidArgument);
    const right = await f.state.create({ resource: resourceFor(NS.infra, TYPE.providerStatus, "proxmox") });
    assert.equal(right.resource?.metadata?.version, "1");
    const health = resourceFor(NS.infraEphemeral, TYPE.providerHealthStatus, "proxmox");
    await f.state.create({ resource: health, options: { owner: "proxmox.ProviderHealthStatusController" } });
  });

  it("reads outside infra namespaces only where Omni allows it", async () => {
    const cfg = await f.state.get({ namespace: NS.default, type: TYPE.siderolinkApiConfig, id: "siderolink-config" });
    assert.equal(cfg.resource?.metadata?.id, "siderolink-config");
    assert.equal(
      await code(f.state.get({ namespace: NS.default, type: "Clusters.omni.sidero.dev", id: "c" })),
      Code.PermissionDenied,
    );
    assert.equal(
      await code(f.state.create({ resource: resourceFor(NS.default, TYPE.siderolinkApiConfig, "mine") })),
      Code.PermissionDenied,
    );
    assert.equal(
      await code(f.state.get({ namespace: NS.default, type: TYPE.publicKey, id: f.account.fingerprint })),
      Code.PermissionDenied,
    );
  });

  it("refuses an unregistered provider (registration gate)", async () => {
    const ghost = await parseServiceAccountKey(await f.omni.mintProviderKey("ghost"));
    const error = await f
      .stateAs(ghost)
      .get({ namespace: NS.infra, type: TYPE.machineRequest, id: mrId })
      .catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.PermissionDenied);
    assert.match(error.rawMessage, /infra provider with name "ghost" is not registered/);
  });

  it("lets an Admin-role key do what a provider may not", async () => {
    const admin = await parseServiceAccountKey(await f.omni.mintAdminKey());
    assert.equal(admin.name, "lab-admin");
    const client = f.stateAs(admin);
    const theirs = await client.get({ namespace: NS.infra, type: TYPE.machineRequest, id: "theirs-bcdfgh" });
    assert.equal(theirs.resource?.metadata?.id, "theirs-bcdfgh");
    const mr = resourceFor(NS.infra, TYPE.machineRequest, "admin-made", {
      labels: { [LABEL.infraProviderId]: "proxmox" },
      proto: encodeMachineRequestSpec({ talosVersion: "1.13.8" }),
    });
    const created = await client.create({ resource: mr });
    assert.deepEqual(created.resource?.metadata?.labels, { [LABEL.infraProviderId]: "proxmox" });
    const bad = resourceFor(NS.infra, TYPE.machineRequest, "admin-bad", {
      proto: encodeMachineRequestSpec({ talosVersion: "x.y" }),
    });
    assert.equal(await code(client.create({ resource: bad })), Code.InvalidArgument);
  });

  it("validates MachineRequests for every caller (semver, immutable spec)", () => {
    assert.throws(
      () => f.omni.admin.createMachineRequest({ providerId: "proxmox", talosVersion: "latest" }),
      (e: { code?: string }) => e.code === "invalid_argument",
    );
    const mr = f.omni.admin.get(NS.infra, TYPE.machineRequest, mrId)!;
    mr.spec.protoSpec = encodeMachineRequestSpec({ talosVersion: "1.12.0" });
    assert.throws(() => f.omni.admin.update(mr), /machine request spec is immutable/);
  });
});
