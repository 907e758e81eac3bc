/**
 * Shapes of the official Proxmox VE API schema as far as validation needs them: the full `apidata.json`
 * and the facts extracted from it into `pve-api.json` (see extract.ts) share them.
 */

/** One property of a parameter object, or one sub-key of a property-string format. */
export interface SchemaProperty {
  type?: "string" | "boolean" | "integer" | "number" | "array" | "object" | "null";
  optional?: number | boolean;
  description?: string;
  default?: unknown;
  enum?: readonly string[] | null;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  /** A named format (`pve-node`) or an inline property-string format (map of sub-keys). */
  format?: string | Record<string, SchemaProperty>;
  /** Marks the sub-key that may appear first without `key=`. */
  default_key?: number | boolean;
  /** Sub-key alias: this key is another spelling of `alias`. */
  alias?: string;
  /** With `alias`: the key itself is the value of `keyAlias` (net `virtio=MAC` → model=virtio). */
  keyAlias?: string;
  requires?: string;
  items?: SchemaProperty;
  /** Highest index of an indexed key (`scsi[n]`: 30); in the full schema only its description says so. */
  indexMax?: number;
  typetext?: string;
}

export interface SchemaParameters {
  additionalProperties?: number | boolean;
  properties?: Record<string, SchemaProperty>;
}

export interface SchemaMethodInfo {
  method?: string;
  name?: string;
  description?: string;
  parameters?: SchemaParameters;
  permissions?: unknown;
  allowtoken?: number;
  protected?: number;
  proxyto?: string;
  returns?: unknown;
}

export interface SchemaNode {
  path: string;
  text?: string;
  info?: Partial<Record<HttpMethod, SchemaMethodInfo>>;
  children?: SchemaNode[];
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** One endpoint: a method on a path template such as `/nodes/{node}/qemu/{vmid}/config`. */
export interface ApiEndpoint {
  method: HttpMethod;
  template: string;
  segments: readonly string[];
  info: SchemaMethodInfo;
}

/** The loaded schema, indexed for lookups by method and concrete path. */
export interface ApiSchema {
  /** Where the schema was read from (for messages). */
  source: string;
  endpoints: readonly ApiEndpoint[];
  byKey: ReadonlyMap<string, ApiEndpoint>;
}

/** A request parameter as received: query/form values are strings, JSON bodies keep their types. */
export type ParamValue = string | number | boolean | null | readonly ParamValue[] | { readonly [k: string]: unknown };

/** One validation failure, named by parameter like Proxmox's `errors` map. */
export interface Violation {
  /** Parameter name (`scsi0`), or `""` for request-level problems (unknown endpoint). */
  param: string;
  message: string;
  code: ViolationCode;
}

export type ViolationCode =
  | "unknown_endpoint"
  | "unknown_parameter"
  | "missing_parameter"
  | "type"
  | "enum"
  | "pattern"
  | "format"
  | "range"
  | "length"
  | "property_string"
  | "requires";
