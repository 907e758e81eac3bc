/**
 * Request authentication (protocol notes §2.3): the `siderov1` signature header, key lookup by
 * fingerprint, expiry, ±5 minute timestamp skew, payload/metadata agreement and the detached OpenPGP
 * signature. Every failure answers UNAUTHENTICATED "invalid signature"; the reason is returned separately
 * for logs and never contains key or signature material.
 */
import * as openpgp from "openpgp";
import { lookupPublicKey } from "./keys.ts";
import { PROVIDER_IDENTITY_SUFFIX } from "./model.ts";
import type { ResourceStore } from "./store.ts";

export type Caller = { kind: "admin"; identity: string } | { kind: "provider"; providerId: string; identity: string };

/** The metadata keys the signed payload covers, as spelled in the payload. */
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
  "x-sidero-timestamp",
] as const;

const MAX_SKEW_MS = 5 * 60 * 1000;

export class AuthFailure extends Error {
  readonly code = "unauthenticated";
  /** Why, for logs (no secrets). */
  readonly reason: string;
  constructor(reason: string) {
    super("invalid signature");
    this.name = "AuthFailure";
    this.reason = reason;
  }
}

/**
 * Verify one call's signature headers; resolves to the caller or rejects with {@link AuthFailure}.
 *
 * @example
 * const caller = await authenticate(ctx.requestHeader, "/cosi.resource.State/Get", store, Date.now);
 */
export async function authenticate(
  headers: Headers,
  method: string,
  store: ResourceStore,
  now: () => number,
): Promise<Caller> {
  const header = headers.get("x-sidero-signature");
  if (!header) throw new AuthFailure("missing x-sidero-signature");
  const fields = header.split(" ");
  if (fields.length < 4 || fields[0] !== "siderov1") throw new AuthFailure("malformed x-sidero-signature");
  const fingerprint = fields[2]!.toLowerCase();
  const record = lookupPublicKey(store, fingerprint);
  if (!record) throw new AuthFailure(`unknown key ${fingerprint}`);
  const clock = now();
  if (record.expiration < clock) throw new AuthFailure(`key ${fingerprint} expired`);
  if (!record.confirmed) throw new AuthFailure(`key ${fingerprint} not confirmed`);

  const timestamp = headers.get("x-sidero-timestamp") ?? "";
  if (!/^-?\d+$/.test(timestamp) || timestamp.includes(",")) throw new AuthFailure("bad x-sidero-timestamp");
  if (Math.abs(Number(timestamp) * 1000 - clock) > MAX_SKEW_MS) throw new AuthFailure("timestamp skew over 5 minutes");

  const payloadText = headers.get("x-sidero-payload");
  if (!payloadText) throw new AuthFailure("missing x-sidero-payload");
  checkPayload(payloadText, headers, method);

  let signature: openpgp.Signature;
  let key: openpgp.Key;
  try {
    signature = await openpgp.readSignature({ binarySignature: Buffer.from(fields[3]!, "base64") });
    key = await openpgp.readKey({ armoredKey: record.armoredPublicKey });
  } catch {
    throw new AuthFailure("unreadable signature");
  }
  const payloadBytes = new TextEncoder().encode(payloadText);
  const lifetimeMs = record.expiration - (key.getCreationTime().getTime() || clock);
  const retryOffset = Math.min(MAX_SKEW_MS, Math.max(0, lifetimeMs / 2));
  if (
    !(await verifiesAt(payloadBytes, signature, key, clock)) &&
    !(await verifiesAt(payloadBytes, signature, key, clock + retryOffset))
  ) {
    throw new AuthFailure("signature does not verify");
  }
  if (!record.identity.endsWith(PROVIDER_IDENTITY_SUFFIX)) {
    return { kind: "admin", identity: record.identity };
  }
  return {
    kind: "provider",
    providerId: record.identity.slice(0, -PROVIDER_IDENTITY_SUFFIX.length),
    identity: record.identity,
  };
}

function checkPayload(payloadText: string, headers: Headers, method: string): void {
  let payload: { method?: unknown; headers?: Record<string, unknown> };
  try {
    payload = JSON.parse(payloadText) as typeof payload;
  } catch {
    throw new AuthFailure("payload is not JSON");
  }
  if (payload.method !== method) throw new AuthFailure("payload method mismatch");
  const signed = payload.headers ?? {};
  for (const name of SIGNED_HEADER_NAMES) {
    // fieldSelectors is looked up with a capital letter in Omni's raw metadata map, so it is never present.
    const actual = name === "fieldSelectors" ? null : headers.get(name);
    const claimed = signed[name];
    if (actual === null) {
      if (claimed !== null && claimed !== undefined) throw new AuthFailure(`payload header ${name} should be absent`);
      continue;
    }
    if (!Array.isArray(claimed) || claimed.some((v) => typeof v !== "string") || claimed.join(", ") !== actual) {
      throw new AuthFailure(`payload header ${name} mismatch`);
    }
  }
}

async function verifiesAt(
  payload: Uint8Array,
  signature: openpgp.Signature,
  key: openpgp.Key,
  at: number,
): Promise<boolean> {
  try {
    const message = await openpgp.createMessage({ binary: payload });
    const result = await openpgp.verify({
      message,
      signature,
      verificationKeys: key,
      date: new Date(at),
      format: "binary",
    });
    const first = result.signatures[0];
    if (!first) return false;
    await first.verified;
    return true;
  } catch {
    return false;
  }
}
