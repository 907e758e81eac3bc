import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  CONFIG_PATCH_FINALIZER,
  encodeJoinToken,
  JoinTokenError,
  LABEL,
  NS,
  parseJoinToken,
  TYPE,
} from "../../src/lab/omni/index.ts";
import { MachineRequestSpecSchema, MachineRequestStatusSpecSchema } from "../../src/omni/gen/omni/specs/infra_pb.js";
import {
  ConnectionParamsSpecSchema,
  ProviderJoinConfigSpecSchema,
  SiderolinkAPIConfigSpecSchema,
} from "../../src/omni/gen/omni/specs/siderolink_pb.js";
import { type Fixture, resourceFor, startFixture } from "./fixture.ts";

const OWNER = "proxmox.ProvisionController";

describe("join tokens (§7.2)", () => {
  it("reproduces the v2 vectors", () => {
    assert.equal(
      encodeJoinToken("abcd", { [LABEL.infraProviderId]: "test" }, "v2"),
      "v2:eyJleHRyYV9kYXRhIjp7Im9tbmkuc2lkZXJvLmRldi9pbmZyYS1wcm92aWRlci1pZCI6InRlc3QifSwic2lnbmF0dXJlIjoiWTNpZ285V2xJSVZOWWpXZmgyWlg5NnpnWW5UQjlwWTI3ZEJaVnJwNDJMZz0ifQ==",
    );
    assert.equal(
      encodeJoinToken("abcd", { [LABEL.machineRequest]: "request1", [LABEL.infraProviderId]: "test" }, "v2"),
      "v2:eyJleHRyYV9kYXRhIjp7Im9tbmkuc2lkZXJvLmRldi9pbmZyYS1wcm92aWRlci1pZCI6InRlc3QiLCJvbW5pLnNpZGVyby5kZXYvbWFjaGluZS1yZXF1ZXN0IjoicmVxdWVzdDEifSwic2lnbmF0dXJlIjoiellrTFRwOUVIanlwTGxrZG1mZjV2Z1A1SERXRktUUXBGR281REp2TDV4MD0ifQ==",
    );
    assert.equal(parseJoinToken("abcd").version, "plain");
  });
});

describe("seeds (§10)", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture("proxmox", { siderolinkApiUrl: "grpc://127.0.0.1:8099" });
  });
  after(() => f.omni.close());

  it("decode with the generated spec messages", async () => {
    const pjc = (await f.state.get({ namespace: NS.infra, type: TYPE.providerJoinConfig, id: "proxmox" })).resource!;
    const spec = fromBinary(ProviderJoinConfigSpecSchema, pjc.spec!.protoSpec);
    assert.match(spec.joinToken, /^[0-9A-Za-z]{40,44}$/, "plain base62 token of 32 bytes");
    assert.equal(spec.config?.kernelArgs.length, 3);
    assert.match(spec.config!.kernelArgs[0]!, /^siderolink\.api=grpc:\/\/127\.0\.0\.1:8099\?jointoken=v2%3A/);
    assert.equal(spec.config!.kernelArgs[1], "talos.events.sink=[fdae:41e4:649b:9303::1]:8090");
    assert.match(spec.config!.config, /^apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc:/);
    const sl = (await f.state.get({ namespace: NS.default, type: TYPE.siderolinkApiConfig, id: "siderolink-config" }))
      .resource!;
    const slSpec = fromBinary(SiderolinkAPIConfigSpecSchema, sl.spec!.protoSpec);
    assert.equal(slSpec.machineApiAdvertisedUrl, "grpc://127.0.0.1:8099");
    assert.equal(slSpec.eventsPort, 8090);
    assert.equal(slSpec.logsPort, 8092);
    const legacy = f.omni.admin.get(NS.default, TYPE.connectionParams, "siderolink-config")!;
    assert.ok(fromBinary(ConnectionParamsSpecSchema, legacy.spec.protoSpec).joinToken.length > 30);
    const mr = f.omni.admin.createMachineRequest({
      providerId: "proxmox",
      talosVersion: "1.13.8",
      extensions: ["siderolabs/qemu-guest-agent"],
      grpcTunnel: 1,
    });
    assert.match(mr.metadata.id, /^lab-workers-[bcdfghjklmnpqrstvwxz2456789]{6}$/);
    const mrSpec = fromBinary(MachineRequestSpecSchema, mr.spec.protoSpec);
    assert.equal(mrSpec.talosVersion, "1.13.8");
    assert.deepEqual(mrSpec.extensions, ["siderolabs/qemu-guest-agent"]);
    assert.equal(mrSpec.grpcTunnel, 1);
  });
});

describe("Omni-side reactions", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.omni.close());

  it("holds a finalizer on ConfigPatchRequests until they are torn down", async () => {
    const mr = f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "cp-mr" });
    await f.state.create({
      resource: resourceFor(NS.infra, TYPE.configPatchRequest, "cp-1", {
        labels: { [LABEL.machineRequest]: mr.metadata.id },
      }),
      options: { owner: OWNER },
    });
    await f.omni.admin.settle();
    const req = { namespace: NS.infra, type: TYPE.configPatchRequest, id: "cp-1", options: { owner: OWNER } };
    assert.deepEqual(
      (await f.state.get({ namespace: req.namespace, type: req.type, id: req.id })).resource?.metadata?.finalizers,
      [CONFIG_PATCH_FINALIZER],
    );
    assert.equal((await f.state.teardown(req)).destroyReady, false);
    await f.omni.admin.settle();
    assert.equal((await f.state.teardown(req)).destroyReady, true);
    await f.state.destroy(req);
  });

  it("releases ConfigPatchRequests whose MachineRequest is gone", async () => {
    f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "cp-mr2" });
    await f.state.create({
      resource: resourceFor(NS.infra, TYPE.configPatchRequest, "cp-2", {
        labels: { [LABEL.machineRequest]: "cp-mr2" },
      }),
      options: { owner: OWNER },
    });
    await f.omni.admin.settle();
    f.omni.admin.destroy(NS.infra, TYPE.machineRequest, "cp-mr2");
    await f.omni.admin.settle();
    assert.deepEqual(f.omni.admin.get(NS.infra, TYPE.configPatchRequest, "cp-2")?.metadata.finalizers, []);
  });

  it("tears a MachineRequest down and destroys it once the provider drops its finalizer", async () => {
    f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "down-mr" });
    const get = { namespace: NS.infra, type: TYPE.machineRequest, id: "down-mr" };
    const mr = (await f.state.get(get)).resource!;
    mr.metadata!.finalizers.push(OWNER);
    await f.state.update({ newResource: mr, options: { owner: "" } });
    f.omni.admin.tearDownMachineRequest("down-mr");
    await f.omni.admin.settle();
    const torn = (await f.state.get(get)).resource!;
    assert.equal(torn.metadata!.phase, "tearingDown");
    torn.metadata!.finalizers = [];
    await f.state.update({ newResource: torn, options: { owner: "" } });
    await f.omni.admin.settle();
    const error = await f.state.get(get).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.NotFound);
  });

  it("strips a deleted provider's finalizers from its MachineRequests", async () => {
    f.omni.registerProvider("gone");
    f.omni.admin.createMachineRequest({ providerId: "gone", id: "orphan-mr" });
    const mr = f.omni.admin.get(NS.infra, TYPE.machineRequest, "orphan-mr")!;
    mr.metadata.finalizers = ["gone.ProvisionController", "other.Controller"];
    f.omni.admin.update(mr);
    f.omni.admin.destroy(NS.infra, TYPE.infraProvider, "gone");
    await f.omni.admin.settle();
    assert.deepEqual(f.omni.admin.get(NS.infra, TYPE.machineRequest, "orphan-mr")?.metadata.finalizers, [
      "other.Controller",
    ]);
  });

  it("registers joining machines from v2 tokens, kernel args and join configs", () => {
    const plain = f.omni.registerProvider("proxmox");
    const token = encodeJoinToken(plain, { [LABEL.infraProviderId]: "proxmox", [LABEL.machineRequest]: "mr-a" }, "v2");
    const reg = f.omni.admin.machineJoined({ machineUuid: "uuid-a", joinToken: token });
    assert.equal(reg.metadata.type, TYPE.machineRegistration);
    assert.deepEqual(reg.metadata.labels, { [LABEL.infraProviderId]: "proxmox", [LABEL.machineRequest]: "mr-a" });

    const pjc = fromBinary(
      ProviderJoinConfigSpecSchema,
      f.omni.admin.get(NS.infra, TYPE.providerJoinConfig, "proxmox")!.spec.protoSpec,
    );
    const byArgs = f.omni.admin.machineJoined({ machineUuid: "uuid-b", kernelArgs: pjc.config!.kernelArgs.join(" ") });
    assert.deepEqual(byArgs.metadata.labels, { [LABEL.infraProviderId]: "proxmox" });
    const byConfig = f.omni.admin.machineJoined({ machineUuid: "uuid-c", joinConfig: pjc.config!.config });
    assert.equal(byConfig.metadata.labels[LABEL.infraProviderId], "proxmox");
    const byPlain = f.omni.admin.machineJoined({ machineUuid: "uuid-d", joinToken: plain });
    assert.equal(byPlain.metadata.labels[LABEL.infraProviderId], "proxmox");
  });

  it("refuses tokens with a wrong signature or unknown plain value", () => {
    const forged = encodeJoinToken("not-the-token", { [LABEL.infraProviderId]: "proxmox" }, "v2");
    assert.throws(
      () => f.omni.admin.machineJoined({ machineUuid: "x", joinToken: forged }),
      (e: unknown) => e instanceof JoinTokenError && e.code === "join_token_invalid",
    );
    assert.throws(
      () => f.omni.admin.machineJoined({ machineUuid: "x", joinToken: "plainbutwrong" }),
      (e: unknown) => e instanceof JoinTokenError && e.code === "join_token_invalid",
    );
    assert.throws(
      () => f.omni.admin.machineJoined({ machineUuid: "x", kernelArgs: ["console=ttyS0"] }),
      (e: unknown) => e instanceof JoinTokenError && e.code === "join_token_missing",
    );
    assert.equal(f.omni.admin.get(NS.infra, TYPE.machineRegistration, "x"), undefined);
  });

  it("links a registration to its MachineRequest once the provider reports the UUID", async () => {
    const plain = f.omni.registerProvider("proxmox");
    f.omni.admin.createMachineRequest({ providerId: "proxmox", id: "link-mr", requestSetId: "link" });
    f.omni.admin.machineJoined({ machineUuid: "uuid-link", joinToken: plain });
    const status = toBinary(
      MachineRequestStatusSpecSchema,
      create(MachineRequestStatusSpecSchema, { id: "uuid-link", stage: 1 }),
    );
    await f.state.create({
      resource: resourceFor(NS.infra, TYPE.machineRequestStatus, "link-mr", { proto: status }),
      options: { owner: OWNER },
    });
    await f.omni.admin.settle();
    const labels = (await f.state.get({ namespace: NS.infra, type: TYPE.machineRegistration, id: "uuid-link" }))
      .resource!.metadata!.labels;
    assert.equal(labels[LABEL.machineRequest], "link-mr");
    assert.equal(labels[LABEL.machineRequestSet], "link");
  });
});
