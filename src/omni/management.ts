import { type Client, createClient, type Transport } from "@connectrpc/connect";
import {
  type BootAssetKind,
  type BootAssetLocation,
  type BootAssetSpec,
  buildBootAssetLocation,
  normalizeTalosVersion,
} from "./bootasset.ts";
import { isOmniError, OmniError, toOmniError } from "./errors.ts";
import { BootAssetURLRequest_BootAssetKind, ManagementService } from "./gen/omni/management/management_pb.js";
import { FEATURES_CONFIG_ID, FeaturesConfigs, TalosVersions } from "./resources.ts";
import type { StateClient } from "./state.ts";

export interface BootAssetRequest extends BootAssetSpec {
  /** Ask for credentials embedded in the URL instead of headers (Omni only; ignored by the fallback). */
  standaloneUrl?: boolean;
}

export interface BootAsset extends BootAssetLocation {
  /** Headers to send when downloading (e.g. factory basic auth). */
  headers: Record<string, string>;
  /** "omni" when Omni answered, "fallback" when computed locally because Omni lacks GetBootAssetURL. */
  source: "omni" | "fallback";
}

const KINDS: Record<BootAssetKind, BootAssetURLRequest_BootAssetKind> = {
  pxe: BootAssetURLRequest_BootAssetKind.PXE,
  iso: BootAssetURLRequest_BootAssetKind.ISO,
  disk: BootAssetURLRequest_BootAssetKind.DISK,
};

/**
 * Omni ManagementService calls a provider may make: CreateSchematicFromRaw and GetBootAssetURL (with the client-side
 * fallback for Omni versions that lack it, computed from FeaturesConfigs and TalosVersions).
 *
 * @example
 * const mgmt = new ManagementClient(transport, state);
 * const id = await mgmt.createSchematicFromRaw("customization: {}\n", "1.13.8");
 * const asset = await mgmt.getBootAssetURL({ kind: "iso", talosVersion: "1.13.8", schematicId: id, platform: "nocloud", architecture: "amd64" });
 */
export class ManagementClient {
  readonly #client: Client<typeof ManagementService>;
  readonly #state: StateClient;

  constructor(transport: Transport, state: StateClient) {
    this.#client = createClient(ManagementService, transport);
    this.#state = state;
  }

  /** Registers a schematic (YAML or JSON) with Omni's image factory and returns its ID. */
  async createSchematicFromRaw(schematicYaml: string, talosVersion = ""): Promise<string> {
    try {
      const res = await this.#client.createSchematicFromRaw({
        rawSchematic: new TextEncoder().encode(schematicYaml),
        talosVersion,
      });
      return res.schematicId;
    } catch (e) {
      const err = toOmniError(e, "management", "CreateSchematicFromRaw");
      if (err.code === "unimplemented") {
        throw new OmniError(
          "unimplemented",
          "Omni does not support CreateSchematicFromRaw (added in Omni 1.8); upgrade Omni to provision machines",
          { cause: err, ...(err.grpcCode ? { grpcCode: err.grpcCode } : {}) },
        );
      }
      throw err;
    }
  }

  /** Asks Omni where to download a boot asset; computes it locally when Omni answers UNIMPLEMENTED. */
  async getBootAssetURL(request: BootAssetRequest): Promise<BootAsset> {
    try {
      const res = await this.#client.getBootAssetURL({
        talosVersion: request.talosVersion,
        schematicId: request.schematicId,
        standaloneUrl: request.standaloneUrl ?? false,
        bootAssetKind: KINDS[request.kind],
        platform: request.platform,
        architecture: request.architecture,
        format: request.format ?? "",
        secureBoot: request.secureBoot ?? false,
      });
      return {
        url: res.url,
        headers: { ...res.headers },
        imageFactoryHost: res.imageFactoryHost,
        storageKey: res.storageKey,
        source: "omni",
      };
    } catch (e) {
      const err = toOmniError(e, "management", "GetBootAssetURL");
      if (err.code !== "unimplemented") throw err;
    }
    return { ...(await this.#fallbackLocation(request)), headers: {}, source: "fallback" };
  }

  /** Resolves the factory for a Talos version from Omni's state, as Omni itself would. */
  async #fallbackLocation(request: BootAssetRequest): Promise<BootAssetLocation> {
    const version = normalizeTalosVersion(request.talosVersion);
    const features = await this.#state.find(FeaturesConfigs, FEATURES_CONFIG_ID);
    const primary = features?.spec.imageFactoryBaseUrl ?? "";
    const primaryPxe = features?.spec.imageFactoryPxeBaseUrl ?? "";
    const secondary = features?.spec.secondaryImageFactoryBaseUrl ?? "";
    const secondaryPxe = features?.spec.secondaryImageFactoryPxeBaseUrl ?? "";
    let talosFactory = "";
    try {
      talosFactory = (await this.#state.get(TalosVersions, version)).spec.imageFactoryUrl;
    } catch (e) {
      if (!isOmniError(e, "not_found")) throw e;
    }
    const onSecondary = talosFactory !== "" && secondary !== "" && sameBase(talosFactory, secondary);
    if (onSecondary) {
      return buildBootAssetLocation(request, {
        factoryBaseUrl: secondary,
        ...(secondaryPxe ? { pxeBaseUrl: secondaryPxe } : {}),
      });
    }
    if (talosFactory !== "" && !(primary !== "" && sameBase(talosFactory, primary))) {
      return buildBootAssetLocation(request, { factoryBaseUrl: talosFactory });
    }
    return buildBootAssetLocation(request, {
      ...(primary ? { factoryBaseUrl: primary } : {}),
      ...(primaryPxe ? { pxeBaseUrl: primaryPxe } : {}),
    });
  }
}

function sameBase(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}
