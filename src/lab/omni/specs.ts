/**
 * The few Omni spec messages the simulator itself writes or inspects, through the generated `specs`
 * messages (one source of truth with the client). Everything else stays opaque bytes, exactly as Omni
 * preserves fields it does not look at.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  MachineRequestSpecSchema,
  MachineRequestStatusSpec_Stage,
  MachineRequestStatusSpecSchema,
} from "../../omni/gen/omni/specs/infra_pb.js";
import {
  ConnectionParamsSpecSchema,
  ProviderJoinConfigSpecSchema,
  SiderolinkAPIConfigSpecSchema,
} from "../../omni/gen/omni/specs/siderolink_pb.js";

export interface JoinConfigSpec {
  kernelArgs: string[];
  config: string;
}

export interface ProviderJoinConfigSpec {
  config: JoinConfigSpec;
  joinToken: string;
}

export interface SiderolinkApiConfigSpec {
  machineApiAdvertisedUrl: string;
  wireguardAdvertisedEndpoint: string;
  enforceGrpcTunnel: boolean;
  eventsPort: number;
  logsPort: number;
}

export interface MachineRequestSpecFields {
  talosVersion: string;
  overlay?: { name: string; image: string };
  extensions: string[];
  kernelArgs: string[];
  metaValues: { key: number; value: string }[];
  providerData: string;
  /** GrpcTunnelMode: 0 unset, 1 enabled, 2 disabled. */
  grpcTunnel: number;
}

export type RequestStage = "UNKNOWN" | "PROVISIONING" | "PROVISIONED" | "FAILED";

/** MachineRequestStatusSpec as the lab reads it back from the store. */
export interface RequestStatusFields {
  /** Machine UUID once the provider knows it. */
  id: string;
  stage: RequestStage;
  error: string;
  status: string;
}

export function encodeProviderJoinConfig(spec: ProviderJoinConfigSpec): Uint8Array {
  return toBinary(ProviderJoinConfigSpecSchema, create(ProviderJoinConfigSpecSchema, spec));
}

export function decodeProviderJoinConfig(bytes: Uint8Array): ProviderJoinConfigSpec {
  const message = fromBinary(ProviderJoinConfigSpecSchema, bytes);
  return {
    config: { kernelArgs: [...(message.config?.kernelArgs ?? [])], config: message.config?.config ?? "" },
    joinToken: message.joinToken,
  };
}

export function encodeSiderolinkApiConfig(spec: SiderolinkApiConfigSpec): Uint8Array {
  return toBinary(SiderolinkAPIConfigSpecSchema, create(SiderolinkAPIConfigSpecSchema, spec));
}

export function encodeMachineRequestSpec(spec: Partial<MachineRequestSpecFields>): Uint8Array {
  const overlay = spec.overlay && (spec.overlay.name || spec.overlay.image) ? { overlay: spec.overlay } : {};
  return toBinary(
    MachineRequestSpecSchema,
    create(MachineRequestSpecSchema, {
      talosVersion: spec.talosVersion ?? "",
      ...overlay,
      extensions: spec.extensions ?? [],
      kernelArgs: spec.kernelArgs ?? [],
      metaValues: spec.metaValues ?? [],
      providerData: spec.providerData ?? "",
      grpcTunnel: spec.grpcTunnel ?? 0,
    }),
  );
}

/** Throws on malformed bytes. */
export function decodeMachineRequestSpec(bytes: Uint8Array): MachineRequestSpecFields {
  const m = fromBinary(MachineRequestSpecSchema, bytes);
  return {
    talosVersion: m.talosVersion,
    ...(m.overlay ? { overlay: { name: m.overlay.name, image: m.overlay.image } } : {}),
    extensions: [...m.extensions],
    kernelArgs: [...m.kernelArgs],
    metaValues: m.metaValues.map((v) => ({ key: v.key, value: v.value })),
    providerData: m.providerData,
    grpcTunnel: m.grpcTunnel,
  };
}

/** Only the field Omni validates; throws on malformed bytes. */
export function decodeMachineRequestTalosVersion(bytes: Uint8Array): string {
  return fromBinary(MachineRequestSpecSchema, bytes).talosVersion;
}

export function decodeRequestStatus(bytes: Uint8Array): RequestStatusFields {
  const m = fromBinary(MachineRequestStatusSpecSchema, bytes);
  const stage = (MachineRequestStatusSpec_Stage[m.stage] as RequestStage | undefined) ?? "UNKNOWN";
  return { id: m.id, stage, error: m.error, status: m.status };
}

/** Legacy `ConnectionParamsSpec` (§4.3): the default join token lives in field 4. */
export interface ConnectionParamsFields {
  args: string;
  apiEndpoint: string;
  wireguardEndpoint: string;
  joinToken: string;
  useGrpcTunnel: boolean;
  eventsPort: number;
  logsPort: number;
}

export function encodeConnectionParams(spec: ConnectionParamsFields): Uint8Array {
  return toBinary(ConnectionParamsSpecSchema, create(ConnectionParamsSpecSchema, spec));
}

export function decodeConnectionParamsJoinToken(bytes: Uint8Array): string {
  return fromBinary(ConnectionParamsSpecSchema, bytes).joinToken;
}
