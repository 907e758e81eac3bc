/**
 * Decoders for the two spec messages the scenario reads back from the Omni simulator's store
 * (protocol notes §4.3): MachineRequestStatusSpec (progress) and MachineRequestSpec (to check what Omni
 * asked for). Unknown fields are skipped.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export type RequestStage = "UNKNOWN" | "PROVISIONING" | "PROVISIONED" | "FAILED";
const STAGES: readonly RequestStage[] = ["UNKNOWN", "PROVISIONING", "PROVISIONED", "FAILED"];

export interface RequestStatusFields {
  /** Machine UUID once the provider knows it. */
  id: string;
  stage: RequestStage;
  error: string;
  status: string;
}

export interface RequestSpecFields {
  talosVersion: string;
  overlay?: { name: string; image: string };
  extensions: string[];
  kernelArgs: string[];
  metaValues: { key: number; value: string }[];
  providerData: string;
  grpcTunnel: number;
}

export function decodeRequestStatus(bytes: Uint8Array): RequestStatusFields {
  const out: RequestStatusFields = { id: "", stage: "UNKNOWN", error: "", status: "" };
  eachField(bytes, (field, r, wt) => {
    if (field === 1 && wt === WireType.LengthDelimited) out.id = r.string();
    else if (field === 2 && wt === WireType.Varint) out.stage = STAGES[r.int32()] ?? "UNKNOWN";
    else if (field === 3 && wt === WireType.LengthDelimited) out.error = r.string();
    else if (field === 4 && wt === WireType.LengthDelimited) out.status = r.string();
    else r.skip(wt);
  });
  return out;
}

export function decodeRequestSpec(bytes: Uint8Array): RequestSpecFields {
  const out: RequestSpecFields = {
    talosVersion: "",
    extensions: [],
    kernelArgs: [],
    metaValues: [],
    providerData: "",
    grpcTunnel: 0,
  };
  eachField(bytes, (field, r, wt) => {
    if (field === 1 && wt === WireType.LengthDelimited) out.talosVersion = r.string();
    else if (field === 2 && wt === WireType.LengthDelimited) {
      const overlay = { name: "", image: "" };
      eachField(r.bytes(), (f, inner, iwt) => {
        if (f === 1 && iwt === WireType.LengthDelimited) overlay.name = inner.string();
        else if (f === 2 && iwt === WireType.LengthDelimited) overlay.image = inner.string();
        else inner.skip(iwt);
      });
      out.overlay = overlay;
    } else if (field === 3 && wt === WireType.LengthDelimited) out.extensions.push(r.string());
    else if (field === 4 && wt === WireType.LengthDelimited) out.kernelArgs.push(r.string());
    else if (field === 5 && wt === WireType.LengthDelimited) {
      const meta = { key: 0, value: "" };
      eachField(r.bytes(), (f, inner, iwt) => {
        if (f === 1 && iwt === WireType.Varint) meta.key = inner.uint32();
        else if (f === 2 && iwt === WireType.LengthDelimited) meta.value = inner.string();
        else inner.skip(iwt);
      });
      out.metaValues.push(meta);
    } else if (field === 6 && wt === WireType.LengthDelimited) out.providerData = r.string();
    else if (field === 7 && wt === WireType.Varint) out.grpcTunnel = r.int32();
    else r.skip(wt);
  });
  return out;
}

function eachField(bytes: Uint8Array, onField: (field: number, reader: BinaryReader, wt: WireType) => void): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    onField(field, r, wt);
  }
}
