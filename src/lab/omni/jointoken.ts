/**
 * Join tokens as Omni issues and checks them (protocol notes §7.2): plain base62 tokens, and `v1:`/`v2:`
 * tokens carrying extra data signed with HMAC-SHA256 keyed by the plain token. Also extracts the token
 * from what a booting machine presents (kernel args or the join config documents).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type JoinTokenErrorCode = "join_token_missing" | "join_token_malformed" | "join_token_invalid";

export class JoinTokenError extends Error {
  readonly code: JoinTokenErrorCode;
  constructor(code: JoinTokenErrorCode, message: string) {
    super(message);
    this.name = "JoinTokenError";
    this.code = code;
  }
}

export interface ParsedJoinToken {
  version: "plain" | "v1" | "v2";
  /** The plain token (plain tokens only). */
  plain?: string;
  extraData: Record<string, string>;
  /** Base64 HMAC as carried in the token (v1/v2). */
  signature?: string;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 32 random bytes, base62-encoded: the shape of Omni's plain join tokens. */
export function generatePlainJoinToken(): string {
  let n = BigInt(`0x${randomBytes(32).toString("hex")}`);
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out || "0";
}

/** Compact JSON of a string map with sorted keys and Go's HTML escaping. */
function goSortedJson(map: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) sorted[key] = map[key]!;
  return JSON.stringify(sorted).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function hmac(plainToken: string, extraData: Record<string, string>): string {
  return createHmac("sha256", Buffer.from(plainToken, "utf8")).update(goSortedJson(extraData)).digest("base64");
}

/**
 * Encode a versioned token.
 *
 * @example
 * encodeJoinToken("abcd", { "omni.sidero.dev/infra-provider-id": "test" }, "v2"); // "v2:eyJleHRyYV9k…"
 */
export function encodeJoinToken(plainToken: string, extraData: Record<string, string>, version: "v1" | "v2"): string {
  const body = `{"extra_data":${goSortedJson(extraData)},"signature":${JSON.stringify(hmac(plainToken, extraData))}}`;
  return `${version}:${Buffer.from(body, "utf8").toString("base64")}`;
}

export function parseJoinToken(token: string): ParsedJoinToken {
  if (!token) throw new JoinTokenError("join_token_missing", "join token is empty");
  const versioned = /^v([12]):/.exec(token);
  if (!versioned) return { version: "plain", plain: token, extraData: {} };
  // Omni strips the prefix by trimming any leading "v", "1", "2" and ":" characters.
  const body = token.replace(/^[v12:]+/, "");
  let decoded: { extra_data?: unknown; signature?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(body, "base64").toString("utf8")) as typeof decoded;
  } catch {
    throw new JoinTokenError("join_token_malformed", `join token v${versioned[1]} payload is not base64 JSON`);
  }
  const extra = decoded.extra_data ?? {};
  if (
    typeof extra !== "object" ||
    extra === null ||
    Object.values(extra).some((v) => typeof v !== "string") ||
    typeof decoded.signature !== "string"
  ) {
    throw new JoinTokenError("join_token_malformed", "join token must carry extra_data (string map) and a signature");
  }
  return {
    version: versioned[1] === "1" ? "v1" : "v2",
    extraData: extra as Record<string, string>,
    signature: decoded.signature,
  };
}

/** True when a v1/v2 token's signature was made with `plainToken`. */
export function signatureMatches(parsed: ParsedJoinToken, plainToken: string): boolean {
  if (!parsed.signature) return false;
  const expected = Buffer.from(hmac(plainToken, parsed.extraData), "utf8");
  const actual = Buffer.from(parsed.signature, "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Find the join token in what a machine presents: a bare token, kernel args (`siderolink.api=<url>`), or
 * join-config documents (`apiUrl: <url>`).
 */
export function extractJoinToken(input: {
  joinToken?: string;
  kernelArgs?: string[] | string;
  joinConfig?: string;
}): string {
  if (input.joinToken) return input.joinToken;
  const args = typeof input.kernelArgs === "string" ? input.kernelArgs.split(/\s+/) : (input.kernelArgs ?? []);
  for (const arg of args) {
    if (arg.startsWith("siderolink.api=")) return tokenFromUrl(arg.slice("siderolink.api=".length));
  }
  const line = input.joinConfig?.split("\n").find((l) => /^\s*apiUrl:\s*/.test(l));
  if (line) return tokenFromUrl(line.replace(/^\s*apiUrl:\s*/, "").replace(/^['"]|['"]$/g, ""));
  throw new JoinTokenError(
    "join_token_missing",
    "no join token found: pass joinToken, kernelArgs with siderolink.api=…, or joinConfig",
  );
}

function tokenFromUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new JoinTokenError("join_token_malformed", "siderolink API URL does not parse");
  }
  const token = url.searchParams.get("jointoken");
  if (!token) throw new JoinTokenError("join_token_missing", "siderolink API URL has no jointoken parameter");
  return token;
}

/** Sorted-key query encoding as Go's url.Values.Encode writes it. */
export function withJoinQuery(apiUrl: string, token: string, grpcTunnel: boolean): string {
  const url = new URL(apiUrl);
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) params.set(k, [...(params.get(k) ?? []), v]);
  params.set("jointoken", [token]);
  if (grpcTunnel) params.set("grpc_tunnel", ["true"]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => params.get(k)!.map((v) => `${goEscape(k)}=${goEscape(v)}`))
    .join("&");
  const base = apiUrl.split("?")[0]!.split("#")[0]!;
  return `${base}?${query}`;
}

function goEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}
