/**
 * Connection parameters a machine needs to join Omni over SideroLink (omni-protocol §7): join tokens,
 * the SideroLink API URL, the three kernel arguments and the three-document join config YAML.
 * Pure functions, no I/O; the output matches the Go provider library byte for byte.
 */
import { createHmac } from "node:crypto";
import { goJson, goJsonStringMap } from "../omni/gojson.ts";
import { InfraError } from "./errors.ts";

/** First address of the SideroLink prefix `fdae:41e4:649b:9303::/64`; Omni listens there for events and logs. */
export const SIDEROLINK_LISTEN_HOST = "fdae:41e4:649b:9303::1";

export const LABEL_INFRA_PROVIDER_ID = "omni.sidero.dev/infra-provider-id";
export const LABEL_MACHINE_REQUEST = "omni.sidero.dev/machine-request";

/** `plain` sends the raw token; `v1` (legacy ConnectionParams) and `v2` (ProviderJoinConfig) sign extra data. */
export type JoinTokenVersion = "plain" | "v1" | "v2";

export interface JoinInputs {
  /** The provider's plain join token (base62), as Omni stores it. */
  joinToken: string;
  /** Omni's machine API URL, e.g. `https://omni.example.com:8090`. */
  apiUrl: string;
  eventsPort: number;
  logsPort: number;
  tokenVersion: JoinTokenVersion;
}

export interface ConnectionOptions {
  providerId: string;
  /** When set (and the token version is not plain), the request ID is signed into the token. */
  requestId?: string;
  grpcTunnel: boolean;
}

export interface ConnectionParams {
  /** The token as sent in `jointoken=` (already v1/v2-encoded when applicable). */
  joinToken: string;
  apiUrl: string;
  kernelArgs: string[];
  /** Talos machine-config documents: SideroLinkConfig, EventSinkConfig, KmsgLogConfig. */
  joinConfig: string;
}

/**
 * Builds everything a machine needs to join, from Omni's join inputs and per-request options.
 *
 * @example
 * const params = buildConnectionParams(
 *   { joinToken: "abcd", apiUrl: "grpc://127.0.0.1:8099", eventsPort: 8091, logsPort: 8092, tokenVersion: "plain" },
 *   { providerId: "proxmox", grpcTunnel: true },
 * );
 * params.kernelArgs[0]; // "siderolink.api=grpc://127.0.0.1:8099?grpc_tunnel=true&jointoken=abcd"
 */
export function buildConnectionParams(inputs: JoinInputs, options: ConnectionOptions): ConnectionParams {
  validateInputs(inputs);
  const extraData: Record<string, string> = { [LABEL_INFRA_PROVIDER_ID]: options.providerId };
  if (options.requestId) extraData[LABEL_MACHINE_REQUEST] = options.requestId;
  const joinToken = encodeJoinToken(inputs.joinToken, inputs.tokenVersion, extraData);
  const apiUrl = siderolinkApiUrl(inputs.apiUrl, joinToken, options.grpcTunnel);
  return {
    joinToken,
    apiUrl,
    kernelArgs: connectionKernelArgs(apiUrl, inputs.eventsPort, inputs.logsPort),
    joinConfig: joinConfigYaml(apiUrl, inputs.eventsPort, inputs.logsPort),
  };
}

function validateInputs(inputs: JoinInputs): void {
  const missing: string[] = [];
  if (!inputs.joinToken) missing.push("join token");
  if (!inputs.apiUrl) missing.push("machine API URL");
  if (!Number.isInteger(inputs.eventsPort) || inputs.eventsPort <= 0) missing.push("events port");
  if (!Number.isInteger(inputs.logsPort) || inputs.logsPort <= 0) missing.push("logs port");
  if (missing.length > 0) {
    throw new InfraError(
      "invalid_join_config",
      `Omni's join configuration is incomplete (missing ${missing.join(", ")}); check ProviderJoinConfig and SiderolinkAPIConfig (or ConnectionParams on older Omni)`,
    );
  }
}

/**
 * Encodes a join token. An already-prefixed token (`v1:`/`v2:`) is returned unchanged.
 *
 * @example
 * encodeJoinToken("abcd", "v2", { "omni.sidero.dev/infra-provider-id": "test" }); // "v2:eyJleHRyYV9k…"
 */
export function encodeJoinToken(plain: string, version: JoinTokenVersion, extraData: Record<string, string>): string {
  if (version === "plain" || plain.startsWith("v1:") || plain.startsWith("v2:")) return plain;
  const extraJson = goJsonStringMap(extraData);
  const signature = createHmac("sha256", Buffer.from(plain, "utf8")).update(extraJson, "utf8").digest("base64");
  const body = `{"extra_data":${extraJson},"signature":${goJson(signature)}}`;
  return `${version}:${Buffer.from(body, "utf8").toString("base64")}`;
}

/** Appends `jointoken` (and `grpc_tunnel=true`) to the API URL, re-encoding the query with sorted keys. */
export function siderolinkApiUrl(apiUrl: string, joinToken: string, grpcTunnel: boolean): string {
  const hashAt = apiUrl.indexOf("#");
  const fragment = hashAt >= 0 ? apiUrl.slice(hashAt) : "";
  const withoutFragment = hashAt >= 0 ? apiUrl.slice(0, hashAt) : apiUrl;
  const queryAt = withoutFragment.indexOf("?");
  const base = queryAt >= 0 ? withoutFragment.slice(0, queryAt) : withoutFragment;
  const query = parseGoQuery(queryAt >= 0 ? withoutFragment.slice(queryAt + 1) : "");
  query.set("jointoken", [joinToken]);
  if (grpcTunnel) query.set("grpc_tunnel", ["true"]);
  return `${base}?${encodeGoQuery(query)}${fragment}`;
}

export function connectionKernelArgs(apiUrl: string, eventsPort: number, logsPort: number): string[] {
  return [
    `siderolink.api=${apiUrl}`,
    `talos.events.sink=[${SIDEROLINK_LISTEN_HOST}]:${eventsPort}`,
    `talos.logging.kernel=tcp://[${SIDEROLINK_LISTEN_HOST}]:${logsPort}`,
  ];
}

export function joinConfigYaml(apiUrl: string, eventsPort: number, logsPort: number): string {
  const documents = [
    [
      ["apiVersion", "v1alpha1"],
      ["kind", "SideroLinkConfig"],
      ["apiUrl", apiUrl],
    ],
    [
      ["apiVersion", "v1alpha1"],
      ["kind", "EventSinkConfig"],
      ["endpoint", `[${SIDEROLINK_LISTEN_HOST}]:${eventsPort}`],
    ],
    [
      ["apiVersion", "v1alpha1"],
      ["kind", "KmsgLogConfig"],
      ["name", "omni-kmsg"],
      ["url", `tcp://[${SIDEROLINK_LISTEN_HOST}]:${logsPort}`],
    ],
  ];
  return documents
    .map((doc) => doc.map(([key, value]) => `${key}: ${yamlScalar(value ?? "")}\n`).join(""))
    .join("---\n");
}

/**
 * A YAML scalar the way go-yaml writes simple strings: plain when unambiguous, else single-quoted.
 * Only needs to cover URLs and host:port values.
 */
export function yamlScalar(value: string): string {
  const ambiguous =
    value === "" ||
    /^[\s[\]{}!&*#|>'"%@`,?:-]/.test(value) ||
    /\s$/.test(value) ||
    value.includes(": ") ||
    value.includes(" #") ||
    value.endsWith(":") ||
    /[\n\r\t]/.test(value) ||
    /^(true|false|yes|no|on|off|y|n|null|~)$/i.test(value) ||
    /^[-+]?(\.?[0-9]|\.inf|\.nan)/i.test(value);
  return ambiguous ? `'${value.replaceAll("'", "''")}'` : value;
}

function parseGoQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = goQueryUnescape(eq >= 0 ? part.slice(0, eq) : part);
    const value = eq >= 0 ? goQueryUnescape(part.slice(eq + 1)) : "";
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

function goQueryUnescape(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

function encodeGoQuery(query: Map<string, string[]>): string {
  return [...query.keys()]
    .sort()
    .flatMap((key) => (query.get(key) ?? []).map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
    .join("&");
}

/** Go `url.QueryEscape`: only `A–Z a–z 0–9 - _ . ~` stay literal, space becomes `+`. */
export function goQueryEscape(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
