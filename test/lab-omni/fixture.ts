/** Shared setup: a simulator with a registered provider and a signed State client for it. */
import type { Client } from "@connectrpc/connect";
import { type OmniSimulator, type OmniSimulatorOptions, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { ManagementService } from "../../src/omni/gen/omni/management/management_pb.js";
import { State } from "../../src/omni/gen/v1alpha1/state_pb.js";
import { grpcClient, type ParsedServiceAccountKey, parseServiceAccountKey, type SignOptions } from "./signer.ts";

export interface Fixture {
  omni: OmniSimulator;
  account: ParsedServiceAccountKey;
  keyString: string;
  state: Client<typeof State>;
  management: Client<typeof ManagementService>;
  /** A State client for the same simulator with other signing options or another account. */
  stateAs(account: ParsedServiceAccountKey | undefined, options?: SignOptions): Client<typeof State>;
}

export async function startFixture(providerId = "proxmox", options: OmniSimulatorOptions = {}): Promise<Fixture> {
  const omni = await startOmniSimulator(options);
  omni.registerProvider(providerId);
  const keyString = await omni.mintProviderKey(providerId);
  const account = await parseServiceAccountKey(keyString);
  const caFile = omni.caFile ? { caFile: omni.caFile } : {};
  return {
    omni,
    account,
    keyString,
    state: grpcClient(State, omni.url, account, caFile),
    management: grpcClient(ManagementService, omni.url, account, caFile),
    stateAs: (other, signOptions = {}) => grpcClient(State, omni.url, other, { ...caFile, ...signOptions }),
  };
}

export function resourceFor(
  namespace: string,
  type: string,
  id: string,
  extra: {
    labels?: Record<string, string>;
    finalizers?: string[];
    version?: string;
    phase?: string;
    owner?: string;
    proto?: Uint8Array;
  } = {},
) {
  return {
    metadata: {
      namespace,
      type,
      id,
      version: extra.version ?? "undefined",
      owner: extra.owner ?? "",
      phase: extra.phase ?? "running",
      labels: extra.labels ?? {},
      finalizers: extra.finalizers ?? [],
    },
    spec: { protoSpec: extra.proto ?? new Uint8Array([10, 2, 104, 105]), yamlSpec: "{}" },
  };
}
