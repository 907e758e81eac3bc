import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { MachineRequestSpecSchema } from "./gen/omni/specs/infra_pb.js";
import { GrpcTunnelMode } from "./gen/omni/specs/omni_pb.js";
import { jsonCodec, metadataToProto, newMetadata, resourceFromProto, resourceToProto } from "./resource.ts";
import { MachineRequests, providerStateType, providerStateTypeName } from "./resources.ts";

describe("resource codecs", () => {
  it("round-trips a proto spec and metadata, keeping unknown fields", () => {
    const spec = create(MachineRequestSpecSchema, { talosVersion: "1.13.8", grpcTunnel: GrpcTunnelMode.ENABLED });
    const bytes = new Uint8Array([...toBinary(MachineRequestSpecSchema, spec), 0xa0, 0x06, 0x01]); // field 100 varint 1
    const md = { ...newMetadata(MachineRequests, "r1"), version: "3", labels: { a: "b" }, finalizers: ["f"] };
    const decoded = MachineRequests.decode(bytes, "");
    assert.equal(decoded.talosVersion, "1.13.8");
    assert.deepEqual(MachineRequests.encode(decoded).protoSpec, bytes);
    const wire = resourceToProto(MachineRequests, { metadata: md, spec: decoded });
    assert.equal(wire.metadata?.type, "MachineRequests.omni.sidero.dev");
    assert.equal(wire.metadata?.namespace, "infra-provider");
    const back = resourceFromProto(MachineRequests, wire);
    assert.deepEqual(back.metadata, md);
  });

  it("never sends an empty version", () => {
    assert.equal(metadataToProto({ ...newMetadata(MachineRequests, "x"), version: "" }).version, "undefined");
  });

  it("stores provider specs as JSON in both proto_spec and yaml_spec", () => {
    const codec = jsonCodec(() => ({ vmid: 0, node: "" }));
    const { protoSpec, yamlSpec } = codec.encode({ vmid: 101, node: "pve1" });
    assert.equal(yamlSpec, '{"vmid":101,"node":"pve1"}');
    assert.deepEqual(codec.decode(protoSpec, ""), { vmid: 101, node: "pve1" });
    assert.deepEqual(codec.decode(new Uint8Array(), yamlSpec), { vmid: 101, node: "pve1" });
    assert.deepEqual(codec.decode(new Uint8Array(), ""), { vmid: 0, node: "" });
  });

  it("names provider state types and namespaces", () => {
    const rt = providerStateType(
      "proxmox",
      "Machine",
      jsonCodec(() => ({})),
    );
    assert.equal(rt.type, "Machine.proxmox.infraprovider.sidero.dev");
    assert.equal(rt.namespace, "infra-provider:proxmox");
    assert.equal(providerStateTypeName("p", "X"), "X.p.infraprovider.sidero.dev");
    assert.throws(() =>
      providerStateType(
        "p",
        "bad.name",
        jsonCodec(() => ({})),
      ),
    );
  });
});
