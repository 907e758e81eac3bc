import type { Interceptor } from "@connectrpc/connect";
import { createMessage, enums, sign } from "openpgp";
import { goJson } from "./gojson.ts";
import type { ServiceAccountKey } from "./key.ts";

/** Signature scheme version written in the first field of `x-sidero-signature`. */
export const SIGNATURE_VERSION = "siderov1";
export const TIMESTAMP_HEADER = "x-sidero-timestamp";
export const PAYLOAD_HEADER = "x-sidero-payload";
export const SIGNATURE_HEADER = "x-sidero-signature";

/** The metadata keys whose values the signed payload carries, in Go's sorted order. */
export const SIGNED_HEADER_NAMES = [
  "authorization",
  "cluster",
  "context",
  "fieldSelectors",
  "namespace",
  "nodes",
  "runtime",
  "selectors",
  "uid",
  TIMESTAMP_HEADER,
] as const;

/** Minimal read view of request metadata (a fetch `Headers` fits). Lookups are case-insensitive. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * Builds the payload that is signed and sent as `x-sidero-payload`: compact JSON with sorted keys, each signed
 * header as an array of its values or `null` when absent, and the full method path with its leading slash.
 *
 * @example
 * buildSignaturePayload("/cosi.resource.State/Get", new Headers({ "x-sidero-timestamp": "1767225600" }));
 * // {"headers":{"authorization":null,...,"x-sidero-timestamp":["1767225600"]},"method":"/cosi.resource.State/Get"}
 */
export function buildSignaturePayload(method: string, headers: HeaderLookup): string {
  const signed: Record<string, string[] | null> = {};
  for (const name of SIGNED_HEADER_NAMES) {
    const value = headers.get(name);
    signed[name] = value === null ? null : [value];
  }
  return goJson({ headers: signed, method });
}

/**
 * Detached binary OpenPGP signature (type 0x00) over the UTF-8 payload, as standard base64. A key minted on a host
 * whose clock runs slightly ahead of ours would look "not yet valid" at `date`, so the signature is dated no earlier
 * than the key's creation; Omni accepts signatures dated a little in the future.
 */
export async function signPayload(key: ServiceAccountKey, payload: string, date: Date = new Date()): Promise<string> {
  const created = key.privateKey.getCreationTime();
  if (date.getTime() < created.getTime()) date = created;
  const message = await createMessage({ binary: new TextEncoder().encode(payload) });
  const signature = await sign({
    message,
    signingKeys: key.privateKey,
    detached: true,
    format: "binary",
    date,
    config: { preferredHashAlgorithm: enums.hash.sha512 },
  });
  return Buffer.from(signature).toString("base64");
}

/** The `x-sidero-signature` value: `siderov1 <name> <fingerprint> <base64 signature>`. */
export function signatureHeaderValue(key: ServiceAccountKey, signatureBase64: string): string {
  return `${SIGNATURE_VERSION} ${key.name} ${key.fingerprint} ${signatureBase64}`;
}

/**
 * Sets fresh `x-sidero-timestamp`, `x-sidero-payload` and `x-sidero-signature` metadata on `headers` for a call
 * to `method` (e.g. `/cosi.resource.State/Get`).
 */
export async function signRequestHeaders(
  key: ServiceAccountKey,
  method: string,
  headers: Headers,
  now: Date = new Date(),
): Promise<void> {
  headers.delete(PAYLOAD_HEADER);
  headers.delete(SIGNATURE_HEADER);
  headers.set(TIMESTAMP_HEADER, String(Math.floor(now.getTime() / 1000)));
  const payload = buildSignaturePayload(method, headers);
  const signature = await signPayload(key, payload, now);
  headers.set(PAYLOAD_HEADER, payload);
  headers.set(SIGNATURE_HEADER, signatureHeaderValue(key, signature));
}

/**
 * A Connect interceptor signing every call once, when it starts: each unary request, and each stream at open
 * (long-lived watch streams are not re-signed, as Omni expects).
 *
 * @example
 * createGrpcTransport({ baseUrl, interceptors: [createSigningInterceptor(key)] });
 */
export function createSigningInterceptor(key: ServiceAccountKey, clock: () => Date = () => new Date()): Interceptor {
  return (next) => async (req) => {
    await signRequestHeaders(key, `/${req.service.typeName}/${req.method.name}`, req.header, clock());
    return next(req);
  };
}
