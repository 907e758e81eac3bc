/**
 * What the reconcile code needs from the runtime: Omni clients, the provider, resource types, settings.
 * Built once per runtime by `createInfraRuntime`.
 */
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { Resource, ResourceType, SpecCodec } from "../omni/resource.ts";
import { providerStateType } from "../omni/resources.ts";
import type { StateClient } from "../omni/state.ts";
import type { KeyedBackoff } from "./backoff.ts";
import type { InfraHooks, StageTracker } from "./hooks.ts";
import type { ManagementPort } from "./management-port.ts";
import type { InfraProviderDefinition, StateCodec } from "./steps.ts";

/** v2: per-provider join config (ProviderJoinConfigs); legacy: the default ConnectionParams. */
export type JoinMode = "v2" | "legacy";

export interface ReconcileEnv<S> {
  state: StateClient;
  management: ManagementPort | undefined;
  providerId: string;
  provider: InfraProviderDefinition<S>;
  stateType: ResourceType<S>;
  joinMode: JoinMode;
  encodeRequestIdInToken: boolean;
  /** Backoff for failed steps and deprovision errors (the delay is written into the status text). */
  failBackoff: KeyedBackoff;
  logger: Logger;
  hooks: InfraHooks | undefined;
  stages: StageTracker;
}

/** Adapts the provider's byte codec to the Omni client's spec codec (`proto_spec` bytes + readable `yaml_spec`). */
export function specCodecFor<S>(codec: StateCodec<S>): SpecCodec<S> {
  return {
    decode: (protoSpec) => (protoSpec.length === 0 ? codec.empty() : codec.decode(protoSpec)),
    encode: (spec) => ({
      protoSpec: codec.encode(spec),
      yamlSpec: codec.toYaml?.(spec) || JSON.stringify(spec) || "{}",
    }),
    empty: () => codec.empty(),
  };
}

/** The provider state type `<Name>.<providerID>.infraprovider.sidero.dev` in `infra-provider:<providerID>`. */
export function stateTypeFor<S>(providerId: string, provider: InfraProviderDefinition<S>): ResourceType<S> {
  return providerStateType(providerId, provider.stateName ?? "Machine", specCodecFor(provider.stateCodec));
}

export function defaultLogger(logger: Logger | undefined): Logger {
  return logger ?? silentLogger();
}

/** A shallow copy good enough to mutate metadata maps without touching the original. */
export function copyResource<S>(res: Resource<S>, spec: S): Resource<S> {
  return {
    metadata: {
      ...res.metadata,
      finalizers: [...res.metadata.finalizers],
      labels: { ...res.metadata.labels },
      annotations: { ...res.metadata.annotations },
    },
    spec,
  };
}
