/**
 * Credentials for the Proxmox API: an API token (stateless, what a provider should use) or a
 * username/password that is exchanged for a ticket + CSRF token, renewed before its 2 h lifetime ends.
 */
import { registerSecret } from "../observability/secrets.ts";
import { ProxmoxError } from "./errors.ts";

/** A parsed API token: `tokenId` is `user@realm!name`; `secret` is the UUID shown once at creation. */
export interface ApiToken {
  tokenId: string;
  secret: string;
}

/** The credential settings a user may write in the config file (same names as the Go provider). */
export interface CredentialSettings {
  /** `user@realm!tokenname` (with `tokenSecret`), or a full `user@realm!tokenname=secret`. */
  tokenID?: string;
  tokenSecret?: string;
  /** A full token string `user@realm!tokenname=secret` (optionally prefixed `PVEAPIToken=`). */
  token?: string;
  /** `root` or `root@pam`; `realm` is appended when the name has no `@`. */
  username?: string;
  password?: string;
  realm?: string;
}

export type Credentials = ({ kind: "token" } & ApiToken) | { kind: "password"; username: string; password: string };

const TOKEN_ID_RE = /^[^\s:/@]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;

/**
 * Splits a full token string at its last `=` into id and secret, as the server does.
 *
 * @example
 * parseApiToken("terraform@pam!automation=1c6b…");  // { tokenId: "terraform@pam!automation", secret: "1c6b…" }
 */
export function parseApiToken(text: string): ApiToken {
  const trimmed = text.trim().replace(/^PVEAPIToken[= ]/, "");
  const eq = trimmed.lastIndexOf("=");
  if (eq < 0) {
    throw new ProxmoxError(
      "auth_failed",
      "the API token must look like user@realm!tokenname=secret (got no '='); set tokenID and tokenSecret separately or fix the token string",
    );
  }
  const token = { tokenId: trimmed.slice(0, eq), secret: trimmed.slice(eq + 1) };
  registerSecret(token.secret);
  checkTokenId(token.tokenId);
  if (!token.secret) throw new ProxmoxError("auth_failed", `API token '${token.tokenId}' has an empty secret`);
  return token;
}

function checkTokenId(tokenId: string): void {
  if (!TOKEN_ID_RE.test(tokenId)) {
    throw new ProxmoxError(
      "auth_failed",
      `tokenID '${tokenId}' is not a Proxmox token id: expected user@realm!tokenname, e.g. terraform@pam!automation`,
    );
  }
}

/**
 * Turns config settings into one credential, registering every secret with the log scrubber at once.
 *
 * @example
 * resolveCredentials({ tokenID: "terraform@pam!automation", tokenSecret: "…" }).kind; // "token"
 * resolveCredentials({ username: "root", password: "…", realm: "pam" });            // username root@pam
 */
export function resolveCredentials(settings: CredentialSettings): Credentials {
  registerSecret(settings.tokenSecret);
  registerSecret(settings.password);
  registerSecret(settings.token);
  if (settings.token) return { kind: "token", ...parseApiToken(settings.token) };
  if (settings.tokenID) {
    if (!settings.tokenSecret) {
      if (settings.tokenID.includes("=")) return { kind: "token", ...parseApiToken(settings.tokenID) };
      throw new ProxmoxError("auth_failed", `tokenID '${settings.tokenID}' is set but tokenSecret is missing`);
    }
    checkTokenId(settings.tokenID);
    return { kind: "token", tokenId: settings.tokenID, secret: settings.tokenSecret };
  }
  if (settings.username) {
    if (!settings.password) {
      throw new ProxmoxError("auth_failed", `username '${settings.username}' is set but password is missing`);
    }
    const username = settings.username.includes("@")
      ? settings.username
      : `${settings.username}@${settings.realm ?? "pam"}`;
    return { kind: "password", username, password: settings.password };
  }
  throw new ProxmoxError(
    "auth_failed",
    "no Proxmox credentials: set tokenID + tokenSecret (recommended) or username + password (+ realm)",
  );
}

/** The `Authorization` header value for a token. */
export function tokenHeader(token: ApiToken): string {
  return `PVEAPIToken=${token.tokenId}=${token.secret}`;
}

/** What `POST /access/ticket` returns. */
export interface TicketGrant {
  username: string;
  ticket: string;
  CSRFPreventionToken: string;
}

/** Tickets live 2 h on the server; renewing after 90 min leaves ample margin for clock skew. */
export const TICKET_RENEW_AFTER_MS = 90 * 60_000;

/**
 * Holds a login ticket: logs in lazily, renews it (posting the ticket as password) once it is older than
 * {@link TICKET_RENEW_AFTER_MS}, and logs in afresh when the server rejects it.
 */
export class TicketSession {
  readonly #username: string;
  readonly #password: string;
  readonly #login: (username: string, password: string) => Promise<TicketGrant>;
  readonly #now: () => number;
  #grant: TicketGrant | undefined;
  #issuedAt = 0;
  #pending: Promise<TicketGrant> | undefined;

  constructor(
    username: string,
    password: string,
    login: (username: string, password: string) => Promise<TicketGrant>,
    now: () => number = Date.now,
  ) {
    registerSecret(password);
    this.#username = username;
    this.#password = password;
    this.#login = login;
    this.#now = now;
  }

  /** A valid ticket, logging in or renewing first when needed. Concurrent callers share one login. */
  async current(): Promise<TicketGrant> {
    const age = this.#now() - this.#issuedAt;
    if (this.#grant && age < TICKET_RENEW_AFTER_MS) return this.#grant;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * Forgets the ticket (after a 401) so the next {@link current} logs in with the password. With
   * `rejected`, only if that is still the current ticket (a concurrent caller may have replaced it).
   */
  invalidate(rejected?: TicketGrant): void {
    if (rejected && rejected !== this.#grant) return;
    this.#grant = undefined;
    this.#issuedAt = 0;
  }

  async #refresh(): Promise<TicketGrant> {
    const old = this.#grant;
    let grant: TicketGrant;
    if (old) {
      try {
        grant = await this.#login(this.#username, old.ticket);
      } catch {
        grant = await this.#login(this.#username, this.#password);
      }
    } else {
      grant = await this.#login(this.#username, this.#password);
    }
    registerSecret(grant.ticket);
    registerSecret(grant.CSRFPreventionToken);
    this.#grant = grant;
    this.#issuedAt = this.#now();
    return grant;
  }
}
