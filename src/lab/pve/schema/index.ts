/**
 * Validation of Proxmox VE API requests against the official schema (apidata.json). Shared by the
 * simulator (every request it serves) and by the client's conformance test (every request it sends).
 *
 * @example
 * import { loadApiSchema, validateRequest } from "../lab/pve/schema/index.ts";
 * const violations = validateRequest(loadApiSchema(), "GET", "/nodes/pve1/storage", { content: "iso" });
 */
export { checkNamedFormat, compilePattern, NAMED_PROPERTY_FORMATS, propertyFormatOf } from "./formats.ts";
export {
  API_PREFIX,
  ApiSchemaError,
  defaultSchemaPath,
  type EndpointMatch,
  loadApiSchema,
  matchEndpoint,
  resolveSchemaPath,
  SCHEMA_ENV_VAR,
  stripPrefix,
} from "./load.ts";
export type {
  ApiEndpoint,
  ApiSchema,
  HttpMethod,
  ParamValue,
  SchemaMethodInfo,
  SchemaNode,
  SchemaProperty,
  Violation,
  ViolationCode,
} from "./types.ts";
export {
  checkValue,
  lookupProperty,
  MSG,
  type PropertyStringResult,
  parsePropertyString,
  propertyBoolean,
  validateParams,
  validateRequest,
} from "./validate.ts";
