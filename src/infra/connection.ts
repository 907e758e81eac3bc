/** Reads Omni's join inputs (omni-protocol §7.1) and detects the join mode (§6.1 step 2). */
import { registerSecret } from "../observability/secrets.ts";
import { isOmniError } from "../omni/errors.ts";
import {
  ConnectionParams,
  PROVIDER_JOIN_CONFIGS_DEFINITION_ID,
  ProviderJoinConfigs,
  ResourceDefinitions,
  SIDEROLINK_CONFIG_ID,
  SiderolinkAPIConfigs,
} from "../omni/resources.ts";
import type { StateClient } from "../omni/state.ts";
import type { JoinMode } from "./env.ts";
import { InfraError } from "./errors.ts";
import type { JoinInputs } from "./joinconfig.ts";

/** v2 when Omni has the ProviderJoinConfigs resource definition, legacy otherwise. */
export async function detectJoinMode(state: StateClient): Promise<JoinMode> {
  const definitions = await state.list(ResourceDefinitions);
  return definitions.some((d) => d.metadata.id === PROVIDER_JOIN_CONFIGS_DEFINITION_ID) ? "v2" : "legacy";
}

/**
 * @example
 * const inputs = await readJoinInputs(state, "v2", "proxmox");
 * buildConnectionParams(inputs, { providerId: "proxmox", grpcTunnel: false, requestId });
 */
export async function readJoinInputs(state: StateClient, mode: JoinMode, providerId: string): Promise<JoinInputs> {
  const inputs = await fetchJoinInputs(state, mode, providerId);
  registerSecret(inputs.joinToken);
  return inputs;
}

async function fetchJoinInputs(state: StateClient, mode: JoinMode, providerId: string): Promise<JoinInputs> {
  try {
    if (mode === "v2") {
      const [joinConfig, apiConfig] = await Promise.all([
        state.get(ProviderJoinConfigs, providerId),
        state.get(SiderolinkAPIConfigs, SIDEROLINK_CONFIG_ID),
      ]);
      return {
        joinToken: joinConfig.spec.joinToken,
        apiUrl: apiConfig.spec.machineApiAdvertisedUrl,
        eventsPort: apiConfig.spec.eventsPort,
        logsPort: apiConfig.spec.logsPort,
        tokenVersion: "v2",
      };
    }
    const params = await state.get(ConnectionParams, SIDEROLINK_CONFIG_ID);
    return {
      joinToken: params.spec.joinToken,
      apiUrl: params.spec.apiEndpoint,
      eventsPort: params.spec.eventsPort,
      logsPort: params.spec.logsPort,
      tokenVersion: "v1",
    };
  } catch (err) {
    if (isOmniError(err, "not_found")) {
      throw new InfraError(
        "invalid_join_config",
        mode === "v2"
          ? `Omni has no ProviderJoinConfig for provider "${providerId}" or no SiderolinkAPIConfig; is the provider registered in Omni?`
          : "Omni has no default/ConnectionParams/siderolink-config; is SideroLink enabled?",
        { cause: err },
      );
    }
    throw err;
  }
}
