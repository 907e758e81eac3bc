/**
 * The few Omni spec messages the simulator itself writes or inspects, encoded with protobuf's wire
 * primitives and the field numbers of protocol notes §4.3 (package `specs`). Everything else stays opaque
 * bytes, exactly as Omni preserves fields it does not look at.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

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

export function encodeProviderJoinConfig(spec: ProviderJoinConfigSpec): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork();
  for (const arg of spec.config.kernelArgs) w.tag(1, WireType.LengthDelimited).string(arg);
  if (spec.config.config) w.tag(2, WireType.LengthDelimited).string(spec.config.config);
  w.join();
  if (spec.joinToken) w.tag(2, WireType.LengthDelimited).string(spec.joinToken);
  return w.finish();
}

export function decodeProviderJoinConfig(bytes: Uint8Array): ProviderJoinConfigSpec {
  const out: ProviderJoinConfigSpec = { config: { kernelArgs: [], config: "" }, joinToken: "" };
  readFields(bytes, (field, r, wt) => {
    if (field === 1 && wt === WireType.LengthDelimited) {
      readFields(r.bytes(), (f, inner, iwt) => {
        if (f === 1 && iwt === WireType.LengthDelimited) out.config.kernelArgs.push(inner.string());
        else if (f === 2 && iwt === WireType.LengthDelimited) out.config.config = inner.string();
        else inner.skip(iwt);
      });
    } else if (field === 2 && wt === WireType.LengthDelimited) out.joinToken = r.string();
    else r.skip(wt);
  });
  return out;
}

export function encodeSiderolinkApiConfig(spec: SiderolinkApiConfigSpec): Uint8Array {
  const w = new BinaryWriter();
  if (spec.machineApiAdvertisedUrl) w.tag(1, WireType.LengthDelimited).string(spec.machineApiAdvertisedUrl);
  if (spec.wireguardAdvertisedEndpoint) w.tag(2, WireType.LengthDelimited).string(spec.wireguardAdvertisedEndpoint);
  if (spec.enforceGrpcTunnel) w.tag(3, WireType.Varint).bool(true);
  if (spec.eventsPort) w.tag(4, WireType.Varint).int32(spec.eventsPort);
  if (spec.logsPort) w.tag(5, WireType.Varint).int32(spec.logsPort);
  return w.finish();
}

export function encodeMachineRequestSpec(spec: Partial<MachineRequestSpecFields>): Uint8Array {
  const w = new BinaryWriter();
  if (spec.talosVersion) w.tag(1, WireType.LengthDelimited).string(spec.talosVersion);
  if (spec.overlay && (spec.overlay.name || spec.overlay.image)) {
    w.tag(2, WireType.LengthDelimited).fork();
    if (spec.overlay.name) w.tag(1, WireType.LengthDelimited).string(spec.overlay.name);
    if (spec.overlay.image) w.tag(2, WireType.LengthDelimited).string(spec.overlay.image);
    w.join();
  }
  for (const ext of spec.extensions ?? []) w.tag(3, WireType.LengthDelimited).string(ext);
  for (const arg of spec.kernelArgs ?? []) w.tag(4, WireType.LengthDelimited).string(arg);
  for (const meta of spec.metaValues ?? []) {
    w.tag(5, WireType.LengthDelimited).fork();
    if (meta.key) w.tag(1, WireType.Varint).uint32(meta.key);
    if (meta.value) w.tag(2, WireType.LengthDelimited).string(meta.value);
    w.join();
  }
  if (spec.providerData) w.tag(6, WireType.LengthDelimited).string(spec.providerData);
  if (spec.grpcTunnel) w.tag(7, WireType.Varint).int32(spec.grpcTunnel);
  return w.finish();
}

/** Only the field Omni validates; throws `Error` on malformed bytes. */
export function decodeMachineRequestTalosVersion(bytes: Uint8Array): string {
  let version = "";
  readFields(bytes, (field, r, wt) => {
    if (field === 1 && wt === WireType.LengthDelimited) version = r.string();
    else r.skip(wt);
  });
  return version;
}

function readFields(bytes: Uint8Array, onField: (field: number, reader: BinaryReader, wt: WireType) => void): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    onField(field, r, wt);
  }
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
  const w = new BinaryWriter();
  if (spec.args) w.tag(1, WireType.LengthDelimited).string(spec.args);
  if (spec.apiEndpoint) w.tag(2, WireType.LengthDelimited).string(spec.apiEndpoint);
  if (spec.wireguardEndpoint) w.tag(3, WireType.LengthDelimited).string(spec.wireguardEndpoint);
  if (spec.joinToken) w.tag(4, WireType.LengthDelimited).string(spec.joinToken);
  if (spec.useGrpcTunnel) w.tag(5, WireType.Varint).bool(true);
  if (spec.eventsPort) w.tag(9, WireType.Varint).int32(spec.eventsPort);
  if (spec.logsPort) w.tag(10, WireType.Varint).int32(spec.logsPort);
  return w.finish();
}

export function decodeConnectionParamsJoinToken(bytes: Uint8Array): string {
  let token = "";
  readFields(bytes, (field, r, wt) => {
    if (field === 4 && wt === WireType.LengthDelimited) token = r.string();
    else r.skip(wt);
  });
  return token;
}
