/**
 * The Proxmox provider definition the infra runtime runs: the steps, deprovision, the providerdata
 * JSON Schema Omni renders forms from, and a health check against the Proxmox API.
 */
import type { InfraProviderDefinition } from "../infra/steps.ts";
import { deprovisionRequest } from "./deprovision/index.ts";
import { providerDataJsonSchema } from "./providerdata/index.ts";
import { type MachineState, machineStateCodec, STATE_RESOURCE_NAME } from "./state/index.ts";
import { type ProvisionerDeps, provisioningSteps } from "./steps/index.ts";

/** A Proxmox logo placeholder: a plain SVG square (Omni shows it next to the provider). */
const ICON = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="4" fill="#e57000"/></svg>',
).toString("base64");

export interface ProvisionerInfo {
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
}

/**
 * @example
 * const provider = createProxmoxProvisioner(deps, { name: "Proxmox", version: "0.1.0" });
 * createInfraRuntime({ state, management, providerId, provider }).start();
 */
export function createProxmoxProvisioner(
  deps: ProvisionerDeps,
  info: ProvisionerInfo = {},
): InfraProviderDefinition<MachineState> {
  return {
    name: info.name ?? "Proxmox",
    description: info.description ?? "Talos VMs on Proxmox VE",
    icon: ICON,
    version: info.version ?? "0.1.0",
    schema: providerDataJsonSchema(),
    stateName: STATE_RESOURCE_NAME,
    stateCodec: machineStateCodec,
    steps: provisioningSteps(deps),
    deprovision: (ctx) => deprovisionRequest(deps, ctx),
    async healthCheck() {
      try {
        await deps.pve.version();
        return undefined;
      } catch (err) {
        return `Proxmox API unreachable: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
  };
}
