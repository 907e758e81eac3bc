/**
 * `proxmox.tls`: one TLS handshake of our own to see the certificate Proxmox presents, whether it
 * verifies against the configured trust, and its SHA-256 fingerprint, so a self-signed node gets the
 * exact `fingerprint:` line to pin instead of `insecureSkipVerify: true`.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { connect } from "node:tls";
import { normalizeFingerprint } from "../../../proxmox/index.ts";
import type { DoctorContext } from "../context.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

export interface TlsProbe {
  readonly fingerprint: string;
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly subject: string;
  readonly issuer: string;
}

/** Handshakes with `url`'s host and reports what it saw; never sends a request. */
export function probeTls(url: string, caFile: string | undefined, timeoutMs = 5000): Promise<TlsProbe> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = Number(u.port || 8006);
  const ca = caFile ? readFileSync(caFile) : undefined;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error("TLS handshake timed out"), { code: "ETIMEDOUT" })),
    );
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const error = socket.authorizationError;
      resolve({
        fingerprint: cert.fingerprint256 ?? "",
        authorized: socket.authorized,
        ...(error ? { authorizationError: String((error as unknown as { code?: string }).code ?? error) } : {}),
        subject: String(cert.subject?.CN ?? ""),
        issuer: String(cert.issuer?.CN ?? ""),
      });
      socket.end();
    });
  });
}

const PIN_HINT = (fp: string) =>
  `pin it in the config file: \`fingerprint: "${fp}"\` (compare with Node → System → Certificates in the Proxmox UI), ` +
  "or set `caFile: /etc/pve/pve-root-ca.pem` (copied from a node); then drop insecureSkipVerify";

export async function checkProxmoxTls(ctx: DoctorContext): Promise<Finding> {
  const id = "proxmox.tls";
  const p = ctx.target.proxmox;
  if (!p.url.startsWith("https:")) {
    return warn(id, "Proxmox API is not using TLS", p.url, "use https://HOST:8006/api2/json");
  }
  let probe: TlsProbe;
  try {
    probe = await probeTls(p.url, p.caFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return fail(
      id,
      "cannot open a TLS connection to Proxmox",
      `${p.url}: ${code}`,
      "check proxmox.url (https://HOST:8006/api2/json), that pveproxy runs, and firewalls between this host and port 8006",
    );
  }
  const seen = `certificate CN=${probe.subject || "?"} issued by ${probe.issuer || "?"}, SHA-256 ${probe.fingerprint}`;
  if (p.insecureSkipVerify) {
    return warn(id, "TLS verification is off (insecureSkipVerify)", seen, PIN_HINT(probe.fingerprint));
  }
  if (p.fingerprint) {
    const pinned = normalizeFingerprint(p.fingerprint);
    if (pinned === probe.fingerprint) return ok(id, "Proxmox certificate matches the pinned fingerprint", seen);
    return fail(
      id,
      "Proxmox certificate does not match the pinned fingerprint",
      `pinned ${pinned}; ${seen}`,
      `if the node's certificate was renewed on purpose, pin the new one: \`fingerprint: "${probe.fingerprint}"\``,
    );
  }
  if (probe.authorized) return ok(id, `Proxmox certificate is trusted${p.caFile ? ` (caFile ${p.caFile})` : ""}`, seen);
  return fail(
    id,
    "Proxmox certificate is not trusted",
    `${seen}; verification failed: ${probe.authorizationError ?? "unknown reason"}${probe.subject === probe.issuer || /SELF_SIGNED/.test(probe.authorizationError ?? "") ? " (self-signed, as Proxmox nodes are by default)" : ""}`,
    PIN_HINT(probe.fingerprint),
  );
}
