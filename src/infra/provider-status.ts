/**
 * The provider's registration (InfraProviderStatus) and heartbeat (InfraProviderHealthStatus), as in
 * omni-protocol §6.1 steps 4–5.
 */
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Logger } from "../observability/logger.ts";
import { scrubSecrets } from "../observability/secrets.ts";
import { isOmniError } from "../omni/errors.ts";
import { InfraProviderStatusSpecSchema } from "../omni/gen/omni/specs/infra_pb.js";
import {
  healthStatusControllerName,
  INFRA_PROVIDER_STATUS_OWNER,
  InfraProviderHealthStatuses,
  InfraProviderStatuses,
} from "../omni/resources.ts";
import type { StateClient } from "../omni/state.ts";
import { errorText } from "./errors.ts";
import type { InfraProviderDefinition } from "./steps.ts";

/** Creates or updates InfraProviderStatus/<id> with the provider's name, description, icon, schema, version. */
export async function registerProviderStatus(
  state: StateClient,
  providerId: string,
  provider: InfraProviderDefinition<unknown>,
): Promise<void> {
  const spec = create(InfraProviderStatusSpecSchema, {
    schema: provider.schema,
    name: provider.name,
    description: provider.description,
    icon: provider.icon,
    version: provider.version,
  });
  try {
    await state.create(
      InfraProviderStatuses,
      { metadata: { id: providerId }, spec },
      { owner: INFRA_PROVIDER_STATUS_OWNER },
    );
  } catch (err) {
    if (!isOmniError(err, "already_exists")) throw err;
    await state.modify(InfraProviderStatuses, providerId, { owner: INFRA_PROVIDER_STATUS_OWNER }, (res) => {
      res.spec.schema = spec.schema;
      res.spec.name = spec.name;
      res.spec.description = spec.description;
      res.spec.icon = spec.icon;
      res.spec.version = spec.version;
    });
  }
}

/** One heartbeat: the health check's verdict ("" = healthy) with the current time. */
export async function sendHeartbeat(
  state: StateClient,
  providerId: string,
  provider: InfraProviderDefinition<unknown>,
  log: Logger,
): Promise<void> {
  let healthError = "";
  try {
    healthError = (await provider.healthCheck?.()) ?? "";
  } catch (err) {
    healthError = errorText(err);
  }
  healthError = scrubSecrets(healthError);
  if (healthError) log.warn({ err: healthError }, "provider health check failed");
  await state.modify(
    InfraProviderHealthStatuses,
    providerId,
    { owner: healthStatusControllerName(providerId) },
    (res) => {
      res.spec.lastHeartbeatTimestamp = timestampNow();
      res.spec.error = healthError;
    },
  );
}
