/**
 * Omni API client: signed gRPC transport, COSI state, management calls and typed resources.
 *
 * @example
 * const key = await parseServiceAccountKey(process.env.OMNI_SERVICE_ACCOUNT_KEY ?? "");
 * const transport = createOmniTransport({ endpoint: process.env.OMNI_ENDPOINT ?? "", key });
 * const state = new StateClient(transport, key.providerId);
 * const management = new ManagementClient(transport, state);
 */
export * from "./bootasset.ts";
export * from "./errors.ts";
export * from "./key.ts";
export * from "./labels.ts";
export * from "./management.ts";
export * from "./resource.ts";
export * from "./resources.ts";
export * from "./retry.ts";
export * from "./signing.ts";
export * from "./state.ts";
export * from "./transport.ts";
