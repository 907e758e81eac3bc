/**
 * The generated descriptors carry upstream's package, message, field names and numbers (omni-protocol.md §3, §4.3,
 * §8.1). A renamed or renumbered field breaks wire compatibility silently, so each one is pinned here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DescEnum, DescMessage } from "@bufbuild/protobuf";
import * as management from "./gen/omni/management/management_pb.js";
import * as infra from "./gen/omni/specs/infra_pb.js";
import * as omni from "./gen/omni/specs/omni_pb.js";
import * as siderolink from "./gen/omni/specs/siderolink_pb.js";
import * as resource from "./gen/v1alpha1/resource_pb.js";
import * as state from "./gen/v1alpha1/state_pb.js";

/** `name=number` for every field, in declaration order. */
function fieldsOf(desc: DescMessage): string {
  return desc.fields.map((f) => `${f.name}=${f.number}`).join(" ");
}

function valuesOf(desc: DescEnum): string {
  return desc.values.map((v) => `${v.name}=${v.number}`).join(" ");
}

const MESSAGES: [DescMessage, string, string][] = [
  [
    resource.MetadataSchema,
    "cosi.resource.Metadata",
    "namespace=1 type=2 id=3 version=4 owner=5 phase=6 created=7 updated=8 finalizers=9 annotations=11 labels=10",
  ],
  [resource.SpecSchema, "cosi.resource.Spec", "proto_spec=1 yaml_spec=2"],
  [resource.ResourceSchema, "cosi.resource.Resource", "metadata=1 spec=2"],
  [resource.LabelTermSchema, "cosi.resource.LabelTerm", "key=1 op=2 value=3 invert=5"],
  [resource.LabelQuerySchema, "cosi.resource.LabelQuery", "terms=1"],
  [resource.IDQuerySchema, "cosi.resource.IDQuery", "regexp=1"],
  [state.EventSchema, "cosi.resource.Event", "resource=1 old=3 error=4 event_type=2 bookmark=5"],
  [state.GetRequestSchema, "cosi.resource.GetRequest", "namespace=1 type=2 id=3 options=4"],
  [state.ListRequestSchema, "cosi.resource.ListRequest", "namespace=1 type=2 options=3"],
  [state.ListOptionsSchema, "cosi.resource.ListOptions", "label_query=1 id_query=2"],
  [state.CreateRequestSchema, "cosi.resource.CreateRequest", "resource=1 options=2"],
  [state.UpdateRequestSchema, "cosi.resource.UpdateRequest", "new_resource=2 options=3"],
  [state.UpdateOptionsSchema, "cosi.resource.UpdateOptions", "owner=1 expected_phase=2"],
  [state.DestroyRequestSchema, "cosi.resource.DestroyRequest", "namespace=1 type=2 id=3 options=4"],
  [state.WatchRequestSchema, "cosi.resource.WatchRequest", "namespace=1 type=2 id=3 options=4 api_version=5"],
  [
    state.WatchOptionsSchema,
    "cosi.resource.WatchOptions",
    "bootstrap_contents=1 tail_events=2 label_query=3 id_query=4 aggregated=5 start_from_bookmark=6 bootstrap_bookmark=7",
  ],
  [state.WatchResponseSchema, "cosi.resource.WatchResponse", "event=1"],
  [state.TeardownRequestSchema, "cosi.resource.TeardownRequest", "namespace=1 type=2 id=3 options=4"],
  [state.TeardownResponseSchema, "cosi.resource.TeardownResponse", "destroy_ready=1"],
  [
    state.TeardownAndDestroyRequestSchema,
    "cosi.resource.TeardownAndDestroyRequest",
    "namespace=1 type=2 id=3 options=4",
  ],
  [
    infra.MachineRequestSpecSchema,
    "specs.MachineRequestSpec",
    "talos_version=1 overlay=2 extensions=3 kernel_args=4 meta_values=5 provider_data=6 grpc_tunnel=7",
  ],
  [infra.MachineRequestStatusSpecSchema, "specs.MachineRequestStatusSpec", "id=1 stage=2 error=3 status=4"],
  [
    infra.InfraProviderStatusSpecSchema,
    "specs.InfraProviderStatusSpec",
    "schema=1 name=2 description=3 icon=4 version=5",
  ],
  [
    infra.InfraProviderHealthStatusSpecSchema,
    "specs.InfraProviderHealthStatusSpec",
    "last_heartbeat_timestamp=1 error=2",
  ],
  [infra.InfraProviderSpecSchema, "specs.InfraProviderSpec", ""],
  [infra.MachineRegistrationSpecSchema, "specs.MachineRegistrationSpec", ""],
  [omni.OverlaySchema, "specs.Overlay", "name=1 image=2"],
  [omni.MetaValueSchema, "specs.MetaValue", "key=1 value=2"],
  [omni.ConfigPatchSpecSchema, "specs.ConfigPatchSpec", "data=1 compressed_data=2"],
  [
    omni.FeaturesConfigSpecSchema,
    "specs.FeaturesConfigSpec",
    "enable_workload_proxying=1 embedded_discovery_service=3 audit_log_enabled=4 image_factory_base_url=5 talos_pre_release_versions_enabled=8 image_factory_pxe_base_url=9 secondary_image_factory_base_url=13 secondary_image_factory_pxe_base_url=14",
  ],
  [
    omni.TalosVersionSpecSchema,
    "specs.TalosVersionSpec",
    "version=1 compatible_kubernetes_versions=2 deprecated=3 image_factory_url=6",
  ],
  [omni.MachineSpecSchema, "specs.MachineSpec", "management_address=1 connected=2 use_grpc_tunnel=5"],
  [siderolink.JoinConfigSchema, "specs.JoinConfig", "kernel_args=1 config=2"],
  [siderolink.ProviderJoinConfigSpecSchema, "specs.ProviderJoinConfigSpec", "config=1 join_token=2"],
  [
    siderolink.SiderolinkAPIConfigSpecSchema,
    "specs.SiderolinkAPIConfigSpec",
    "machine_api_advertised_url=1 wireguard_advertised_endpoint=2 enforce_grpc_tunnel=3 events_port=4 logs_port=5",
  ],
  [
    siderolink.ConnectionParamsSpecSchema,
    "specs.ConnectionParamsSpec",
    "args=1 api_endpoint=2 wireguard_endpoint=3 join_token=4 use_grpc_tunnel=5 events_port=9 logs_port=10",
  ],
  [
    management.CreateSchematicFromRawRequestSchema,
    "management.CreateSchematicFromRawRequest",
    "raw_schematic=1 talos_version=2",
  ],
  [
    management.CreateSchematicResponseSchema,
    "management.CreateSchematicResponse",
    "schematic_id=1 pxe_url=2 grpc_tunnel_enabled=3 schematic_yml=4",
  ],
  [
    management.BootAssetURLRequestSchema,
    "management.BootAssetURLRequest",
    "talos_version=1 schematic_id=2 standalone_url=3 boot_asset_kind=4 platform=5 architecture=6 format=7 secure_boot=8",
  ],
  [
    management.BootAssetURLResponseSchema,
    "management.BootAssetURLResponse",
    "url=1 headers=2 image_factory_host=3 storage_key=4",
  ],
];

const ENUMS: [DescEnum, string, string][] = [
  [
    resource.LabelTerm_OperationSchema,
    "cosi.resource.LabelTerm.Operation",
    "EXISTS=0 EQUAL=1 NOT_EXISTS=2 IN=3 LT=4 LTE=5 LT_NUMERIC=6 LTE_NUMERIC=7",
  ],
  [state.EventTypeSchema, "cosi.resource.EventType", "CREATED=0 UPDATED=1 DESTROYED=2 BOOTSTRAPPED=3 ERRORED=4 NOOP=5"],
  [
    infra.MachineRequestStatusSpec_StageSchema,
    "specs.MachineRequestStatusSpec.Stage",
    "UNKNOWN=0 PROVISIONING=1 PROVISIONED=2 FAILED=3",
  ],
  [omni.GrpcTunnelModeSchema, "specs.GrpcTunnelMode", "UNSET=0 ENABLED=1 DISABLED=2"],
  [
    management.BootAssetURLRequest_BootAssetKindSchema,
    "management.BootAssetURLRequest.BootAssetKind",
    "BOOT_ASSET_KIND_UNSET=0 BOOT_ASSET_KIND_PXE=1 BOOT_ASSET_KIND_ISO=2 BOOT_ASSET_KIND_DISK=3",
  ],
];

describe("proto descriptors match upstream", () => {
  for (const [desc, typeName, fields] of MESSAGES) {
    it(typeName, () => {
      assert.equal(desc.typeName, typeName);
      assert.equal(fieldsOf(desc), fields);
    });
  }
  for (const [desc, typeName, values] of ENUMS) {
    it(typeName, () => {
      assert.equal(desc.typeName, typeName);
      assert.equal(valuesOf(desc), values);
    });
  }

  it("keeps presence where upstream has `optional`", () => {
    const presence = (desc: DescMessage, name: string) =>
      desc.fields.find((f) => f.name === name)?.proto.proto3Optional;
    assert.equal(presence(state.UpdateOptionsSchema, "expected_phase"), true);
    assert.equal(presence(state.WatchRequestSchema, "id"), true);
    assert.equal(presence(state.WatchOptionsSchema, "start_from_bookmark"), true);
    assert.equal(presence(state.EventSchema, "error"), true);
    assert.equal(presence(state.EventSchema, "bookmark"), true);
  });

  it("exposes the State and ManagementService RPC paths", () => {
    assert.deepEqual(
      state.State.methods.map((m) => m.name),
      ["Get", "List", "Create", "Update", "Destroy", "Watch", "Teardown", "TeardownAndDestroy"],
    );
    assert.equal(state.State.typeName, "cosi.resource.State");
    assert.equal(management.ManagementService.typeName, "management.ManagementService");
    assert.deepEqual(
      management.ManagementService.methods.map((m) => m.name),
      ["CreateSchematicFromRaw", "GetBootAssetURL"],
    );
  });
});
