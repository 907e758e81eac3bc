/**
 * TLS for the Proxmox client: one undici dispatcher per client. Verification is on by default (system
 * CAs); `caFile` trusts a PEM bundle; `fingerprint` pins the server certificate's SHA-256 (the form the
 * Proxmox GUI shows); `insecureSkipVerify` disables checks only when explicitly asked.
 */
import { readFileSync } from "node:fs";
import type { TLSSocket } from "node:tls";
import { Agent, buildConnector } from "undici";
import { ProxmoxError } from "./errors.ts";

export interface TlsSettings {
  /** PEM bundle of CAs to trust instead of the system store. */
  caFile?: string;
  /** SHA-256 of the server certificate, `AA:BB:…` (case and colons optional). */
  fingerprint?: string;
  /** Accept any certificate. Only for throw-away labs; prefer `fingerprint`. */
  insecureSkipVerify?: boolean;
}

/** Error code set on sockets whose certificate does not match the pinned fingerprint. */
export const FINGERPRINT_MISMATCH = "ERR_PROXMOX_FINGERPRINT_MISMATCH";

/**
 * Normalises a SHA-256 fingerprint to Proxmox's form: upper-case hex pairs joined with `:`.
 *
 * @example
 * normalizeFingerprint("ab:cd:…") === normalizeFingerprint("ABCD…"); // true
 */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new ProxmoxError(
      "tls_failed",
      `fingerprint '${text}' is not a SHA-256 fingerprint: expected 32 hex pairs like AA:BB:…, as shown under Node → Certificates`,
    );
  }
  return hex.match(/../g)?.join(":") ?? hex;
}

/**
 * Builds the dispatcher that carries every request of one client, applying {@link TlsSettings}.
 *
 * @example
 * const agent = createDispatcher({ fingerprint: "AA:BB:…" });
 */
export function createDispatcher(tls: TlsSettings, connections = 16): Agent {
  let ca: string | undefined;
  if (tls.caFile) {
    try {
      ca = readFileSync(tls.caFile, "utf8");
    } catch (err) {
      throw new ProxmoxError("tls_failed", `caFile '${tls.caFile}' cannot be read: ${(err as Error).message}`);
    }
  }
  const pin = tls.fingerprint ? normalizeFingerprint(tls.fingerprint) : undefined;
  // A pin replaces chain verification (Proxmox nodes usually have self-signed certificates); with a
  // caFile as well, both must hold.
  const verifyChain = !tls.insecureSkipVerify && (pin === undefined || ca !== undefined);
  // Resumed TLS sessions carry no peer certificate, so a pinned client must always do a full handshake.
  const base = buildConnector({
    rejectUnauthorized: verifyChain,
    ...(ca ? { ca } : {}),
    ...(pin === undefined ? {} : { maxCachedSessions: 0 }),
  });
  const connect: buildConnector.connector = (options, callback) =>
    base(options, (err, socket) => {
      if (err || !socket || pin === undefined || tls.insecureSkipVerify) {
        if (err) callback(err, null);
        else callback(null, socket as NonNullable<typeof socket>);
        return;
      }
      const seen = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
      if (seen !== pin) {
        socket.destroy();
        const mismatch = Object.assign(
          new Error(`server certificate fingerprint ${seen ?? "(none)"} does not match the pinned fingerprint ${pin}`),
          { code: FINGERPRINT_MISMATCH },
        );
        callback(mismatch, null);
        return;
      }
      callback(null, socket);
    });
  return new Agent({ connect, connections });
}
