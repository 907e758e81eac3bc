/**
 * The image schematic the runtime builds from a MachineRequest (omni-protocol §8.2). Pure: the result is
 * sent to Omni's CreateSchematicFromRaw, which computes the ID.
 */
import { InfraError } from "./errors.ts";

export interface MetaValue {
  key: number;
  value: string;
}

export interface Overlay {
  name: string;
  image: string;
}

/** What the MachineRequest contributes. */
export interface RequestImageInputs {
  extensions: string[];
  kernelArgs: string[];
  metaValues: MetaValue[];
  overlay?: Overlay | undefined;
}

/** What a step adds on top of the request. */
export interface SchematicExtras {
  extraKernelArgs?: string[];
  extraExtensions?: string[];
  metaValues?: MetaValue[];
  overlay?: Overlay;
  embeddedMachineConfig?: string;
  /** Leave the connection kernel args out (e.g. when the join config is delivered as user-data). */
  withoutConnectionParams?: boolean;
}

export interface SchematicDocument {
  overlay?: { image: string; name: string };
  customization: {
    embeddedMachineConfiguration?: string;
    extraKernelArgs?: string[];
    meta?: MetaValue[];
    systemExtensions?: { officialExtensions: string[] };
  };
}

/**
 * @example
 * buildSchematic({ extensions: ["siderolabs/qemu-guest-agent"], kernelArgs: [], metaValues: [] }, connectionArgs, {}, false);
 */
export function buildSchematic(
  request: RequestImageInputs,
  connectionKernelArgs: string[],
  extras: SchematicExtras,
  requestIdInToken: boolean,
): SchematicDocument {
  if (requestIdInToken && !extras.withoutConnectionParams) {
    throw new InfraError(
      "invalid_schematic",
      "refusing to bake connection kernel args into a schematic while the join token carries the request ID: pass withoutConnectionParams and deliver the join config out of band, or disable encodeRequestIdInToken",
    );
  }
  const sortedArgs = [...request.kernelArgs, ...(extras.withoutConnectionParams ? [] : connectionKernelArgs)].sort();
  const kernelArgs = [...sortedArgs, ...(extras.extraKernelArgs ?? [])];

  const meta = request.metaValues.map((m) => ({ key: m.key, value: m.value }));
  for (const extra of extras.metaValues ?? []) {
    const existing = meta.find((m) => m.key === extra.key);
    if (existing) existing.value = extra.value;
    else meta.push({ key: extra.key, value: extra.value });
  }

  const extensions = [...new Set([...request.extensions, ...(extras.extraExtensions ?? [])])].sort();
  const overlay = extras.overlay ?? (request.overlay?.image || request.overlay?.name ? request.overlay : undefined);

  const doc: SchematicDocument = { customization: {} };
  if (overlay) doc.overlay = { image: overlay.image, name: overlay.name };
  if (extras.embeddedMachineConfig) doc.customization.embeddedMachineConfiguration = extras.embeddedMachineConfig;
  if (kernelArgs.length > 0) doc.customization.extraKernelArgs = kernelArgs;
  if (meta.length > 0) doc.customization.meta = meta;
  if (extensions.length > 0) doc.customization.systemExtensions = { officialExtensions: extensions };
  return doc;
}

/** JSON text is valid schematic YAML; Omni canonicalises it before computing the ID. */
export function schematicText(doc: SchematicDocument): string {
  return JSON.stringify(doc);
}
