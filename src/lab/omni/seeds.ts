/**
 * Resources a fresh Omni holds that a provider reads (protocol notes §10): the SideroLink API config, the
 * ResourceDefinitions that announce v2 join configs, the features config, and per-provider registration
 * (InfraProviders + ProviderJoinConfigs with a plain join token and the precomputed join config).
 */
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { registerSecret } from "../../observability/secrets.ts";
import { encodeJoinToken, generatePlainJoinToken, withJoinQuery } from "./jointoken.ts";
import { LABEL, NS, newResource, TYPE } from "./model.ts";
import {
  decodeConnectionParamsJoinToken,
  decodeProviderJoinConfig,
  encodeConnectionParams,
  encodeProviderJoinConfig,
  encodeSiderolinkApiConfig,
} from "./specs.ts";
import type { ResourceStore } from "./store.ts";

export interface SiderolinkSettings {
  apiUrl: string;
  eventsPort: number;
  logsPort: number;
  wireguardEndpoint: string;
}

export const DEFAULT_SIDEROLINK: SiderolinkSettings = {
  apiUrl: "grpc://127.0.0.1:8099",
  eventsPort: 8090,
  logsPort: 8092,
  wireguardEndpoint: "127.0.0.1:50180",
};

/** The SideroLink listen address machines reach Omni's event sink and log receiver on (§7.4). */
const SIDEROLINK_HOST = "[fdae:41e4:649b:9303::1]";

function createIfMissing(store: ResourceStore, resource: ReturnType<typeof newResource>): void {
  const m = resource.metadata;
  if (!store.get(m.namespace, m.type, m.id)) store.create(resource, "");
}

/** Idempotent: seeds only what is missing. */
export function seedOmni(store: ResourceStore, siderolink: SiderolinkSettings, factoryUrl: string): void {
  createIfMissing(
    store,
    newResource({
      namespace: NS.default,
      type: TYPE.siderolinkApiConfig,
      id: "siderolink-config",
      protoSpec: encodeSiderolinkApiConfig({
        machineApiAdvertisedUrl: siderolink.apiUrl,
        wireguardAdvertisedEndpoint: siderolink.wireguardEndpoint,
        enforceGrpcTunnel: false,
        eventsPort: siderolink.eventsPort,
        logsPort: siderolink.logsPort,
      }),
    }),
  );
  for (const type of [
    TYPE.providerJoinConfig,
    TYPE.siderolinkApiConfig,
    TYPE.machineRequest,
    TYPE.machineRequestStatus,
    TYPE.machineRegistration,
    TYPE.configPatchRequest,
    TYPE.providerStatus,
    TYPE.providerHealthStatus,
    TYPE.infraProvider,
  ]) {
    createIfMissing(store, newResource({ namespace: NS.meta, type: TYPE.resourceDefinition, id: type.toLowerCase() }));
  }
  if (!store.get(NS.default, TYPE.connectionParams, "siderolink-config")) {
    const defaultToken = generatePlainJoinToken();
    registerSecret(defaultToken);
    const events = `${SIDEROLINK_HOST}:${siderolink.eventsPort}`;
    const logs = `tcp://${SIDEROLINK_HOST}:${siderolink.logsPort}`;
    store.create(
      newResource({
        namespace: NS.default,
        type: TYPE.connectionParams,
        id: "siderolink-config",
        protoSpec: encodeConnectionParams({
          args: [
            `siderolink.api=${withJoinQuery(siderolink.apiUrl, defaultToken, false)}`,
            `talos.events.sink=${events}`,
            `talos.logging.kernel=${logs}`,
          ].join(" "),
          apiEndpoint: siderolink.apiUrl,
          wireguardEndpoint: siderolink.wireguardEndpoint,
          joinToken: defaultToken,
          useGrpcTunnel: false,
          eventsPort: siderolink.eventsPort,
          logsPort: siderolink.logsPort,
        }),
      }),
      "",
    );
  }
  const features = new BinaryWriter().tag(5, WireType.LengthDelimited).string(factoryUrl).finish();
  createIfMissing(
    store,
    newResource({ namespace: NS.default, type: TYPE.featuresConfig, id: "features-config", protoSpec: features }),
  );
}

/**
 * Register a provider as `omnictl infraprovider create` does on the Omni side. Returns its plain join token.
 *
 * @example
 * const token = registerProvider(store, "proxmox", DEFAULT_SIDEROLINK);
 */
export function registerProvider(store: ResourceStore, providerId: string, siderolink: SiderolinkSettings): string {
  createIfMissing(store, newResource({ namespace: NS.infra, type: TYPE.infraProvider, id: providerId }));
  const existing = store.get(NS.infra, TYPE.providerJoinConfig, providerId);
  if (existing) {
    return decodeProviderJoinConfig(existing.spec.protoSpec).joinToken;
  }
  const plain = generatePlainJoinToken();
  registerSecret(plain);
  const token = encodeJoinToken(plain, { [LABEL.infraProviderId]: providerId }, "v2");
  const apiUrl = withJoinQuery(siderolink.apiUrl, token, false);
  const events = `${SIDEROLINK_HOST}:${siderolink.eventsPort}`;
  const logs = `tcp://${SIDEROLINK_HOST}:${siderolink.logsPort}`;
  const config = [
    `apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: ${apiUrl}\n`,
    `apiVersion: v1alpha1\nkind: EventSinkConfig\nendpoint: '${events}'\n`,
    `apiVersion: v1alpha1\nkind: KmsgLogConfig\nname: omni-kmsg\nurl: ${logs}\n`,
  ].join("---\n");
  store.create(
    newResource({
      namespace: NS.infra,
      type: TYPE.providerJoinConfig,
      id: providerId,
      labels: { [LABEL.infraProviderId]: providerId },
      protoSpec: encodeProviderJoinConfig({
        config: {
          kernelArgs: [`siderolink.api=${apiUrl}`, `talos.events.sink=${events}`, `talos.logging.kernel=${logs}`],
          config,
        },
        joinToken: plain,
      }),
    }),
    "",
  );
  return plain;
}

/** The legacy default join token (ConnectionParams), which v1 tokens are signed with. */
export function defaultJoinToken(store: ResourceStore): string {
  const params = store.get(NS.default, TYPE.connectionParams, "siderolink-config");
  return params ? decodeConnectionParamsJoinToken(params.spec.protoSpec) : "";
}

/** The plain join token of a registered provider, or "" when it has none. */
export function providerJoinToken(store: ResourceStore, providerId: string): string {
  const config = store.get(NS.infra, TYPE.providerJoinConfig, providerId);
  return config ? decodeProviderJoinConfig(config.spec.protoSpec).joinToken : "";
}
