/**
 * The two `management.ManagementService` calls a provider uses (protocol notes §8): schematic IDs from the
 * factory's canonical YAML, and boot-asset URLs against the configured factory.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  BootAssetURLRequest_BootAssetKind,
  BootAssetURLResponseSchema,
  CreateSchematicResponseSchema,
  type ManagementService,
} from "../../omni/gen/omni/management/management_pb.js";
import { parseSchematic, SchematicError, schematicId } from "../factory/schematic.ts";
import { type BootAssetKind, bootAssetUrl } from "./boot-assets.ts";
import { simError, toConnectError } from "./errors.ts";
import type { ServiceDeps } from "./state-service.ts";

export interface ManagementDeps {
  authenticate: ServiceDeps["authenticate"];
  factoryUrl: string;
}

const KIND: Record<number, BootAssetKind | "unset"> = {
  [BootAssetURLRequest_BootAssetKind.UNSET]: "unset",
  [BootAssetURLRequest_BootAssetKind.PXE]: "pxe",
  [BootAssetURLRequest_BootAssetKind.ISO]: "iso",
  [BootAssetURLRequest_BootAssetKind.DISK]: "disk",
};

export function createManagementService(deps: ManagementDeps): ServiceImpl<typeof ManagementService> {
  return {
    async createSchematicFromRaw(req, ctx) {
      try {
        // Any verified caller here is an InfraProvider or the admin: both roles are allowed (§5.7).
        await deps.authenticate(ctx);
        let id: string;
        try {
          const schematic = parseSchematic(req.rawSchematic);
          id = schematicId(schematic);
        } catch (error) {
          if (error instanceof SchematicError)
            throw simError("invalid_argument", `invalid schematic: ${error.message}`);
          throw error;
        }
        return create(CreateSchematicResponseSchema, { schematicId: id });
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async getBootAssetURL(req, ctx) {
      try {
        await deps.authenticate(ctx);
        const asset = bootAssetUrl(
          {
            kind: KIND[req.bootAssetKind] ?? "unset",
            talosVersion: req.talosVersion,
            schematicId: req.schematicId,
            platform: req.platform,
            architecture: req.architecture,
            format: req.format,
            secureBoot: req.secureBoot,
          },
          deps.factoryUrl,
        );
        return create(BootAssetURLResponseSchema, {
          url: asset.url,
          headers: asset.headers,
          imageFactoryHost: asset.imageFactoryHost,
          storageKey: asset.storageKey,
        });
      } catch (error) {
        throw toConnectError(error);
      }
    },
  };
}
