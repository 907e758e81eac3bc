/**
 * The JSON Schema we publish in InfraProviderStatus.schema; Omni renders the machine class form from
 * it. Generated from the zod schema (input side: defaults shown, defaulted keys optional), draft-07
 * for the widest form-renderer support.
 */
import { z } from "zod";
import { providerDataSchema } from "./schema.ts";

let cached: string | undefined;

/**
 * The providerdata JSON Schema as text.
 *
 * @example
 * status.schema = providerDataJsonSchema();
 */
export function providerDataJsonSchema(): string {
  cached ??= JSON.stringify(z.toJSONSchema(providerDataSchema, { io: "input", target: "draft-7" }), null, 2);
  return cached;
}
