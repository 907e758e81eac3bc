import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { registerSecret } from "../../observability/secrets.ts";
import { PveHttpError, permissionError } from "./errors.ts";
import { ALL_PRIVILEGES, type PveAclEntry, type PveTokenSpec, type PveUserSpec } from "./world.ts";

/** Who a request is authenticated as. */
export interface Principal {
  /** `omni@pve` */
  userid: string;
  /** `omni@pve!provider` for token requests. */
  tokenId?: string;
  /** The name written into UPIDs and task lists: the token id for tokens, else the user id. */
  authId: string;
  viaTicket: boolean;
}

const TICKET_LIFETIME_SEC = 7200;

/**
 * Users, API tokens, tickets and ACLs. Effective privileges follow PVE: the most specific ACL path with
 * entries wins (ancestors only when `propagate`), root@pam has everything, and a privilege-separated
 * token gets the intersection of its own and its user's privileges.
 */
export class AccessControl {
  readonly users: PveUserSpec[];
  readonly tokens: PveTokenSpec[];
  readonly acl: PveAclEntry[];
  /** Seconds a ticket stays valid; tests shorten it to exercise renewal. */
  ticketLifetimeSec = TICKET_LIFETIME_SEC;
  private readonly key = randomBytes(32);

  constructor(users: PveUserSpec[], tokens: PveTokenSpec[], acl: PveAclEntry[]) {
    this.users = users;
    this.tokens = tokens;
    this.acl = acl;
    for (const u of users) registerSecret(u.password);
    for (const t of tokens) registerSecret(t.secret);
  }

  /** Authenticates from headers; throws 401 (empty body) like pveproxy. */
  authenticate(headers: Record<string, string | string[] | undefined>, nowSec: number): Principal {
    const cookie = headerText(headers.cookie);
    const authz = headerText(headers.authorization);
    const cookieTicket = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(cookie)?.[1];
    const headerTicket = /^PVEAuthCookie=(.*)$/.exec(authz)?.[1];
    const ticket = cookieTicket ?? headerTicket;
    if (ticket !== undefined) {
      const userid = this.verifyTicket(safeDecode(ticket), nowSec);
      if (!userid) throw unauthorized("authentication failure");
      return { userid, authId: userid, viaTicket: true };
    }
    const tokenMatch = /PVEAPIToken[= ]([^;]*)/.exec(authz);
    if (tokenMatch) {
      const raw = safeDecode(tokenMatch[1] ?? "");
      const eq = raw.lastIndexOf("=");
      const tokenId = eq > 0 ? raw.slice(0, eq) : "";
      const secret = eq > 0 ? raw.slice(eq + 1) : "";
      const token = this.tokens.find((t) => t.tokenId === tokenId);
      const userid = tokenId.split("!")[0] ?? "";
      const user = this.users.find((u) => u.userid === userid);
      if (!token || !user || user.enabled === false || !sameText(token.secret, secret)) {
        throw unauthorized("Authentication failed!");
      }
      return { userid, tokenId, authId: tokenId, viaTicket: false };
    }
    throw unauthorized("No ticket");
  }

  /** POST /access/ticket: password login or ticket renewal (current ticket as password). */
  login(username: string, password: string, nowSec: number): { ticket: string; csrf: string; userid: string } {
    const user = this.users.find((u) => u.userid === username);
    const renewed = this.verifyTicket(password, nowSec);
    const ok =
      user && user.enabled !== false && (renewed === username || (user.password && sameText(user.password, password)));
    if (!ok) throw new PveHttpError(401, "authentication failure");
    const hex = nowSec.toString(16).toUpperCase().padStart(8, "0");
    const plain = `PVE:${username}:${hex}`;
    const ticket = `${plain}::${this.sign(plain)}`;
    registerSecret(ticket);
    return { ticket, csrf: this.csrfFor(username, hex), userid: username };
  }

  /** Throws 401 unless `token` is this user's CSRF prevention token. */
  checkCsrf(userid: string, token: string | undefined, nowSec: number): void {
    const hex = token?.split(":")[0] ?? "";
    const age = nowSec - Number.parseInt(hex, 16);
    if (!token || !sameText(token, this.csrfFor(userid, hex)) || !(age <= this.ticketLifetimeSec)) {
      throw unauthorized("Permission denied - invalid csrf token");
    }
  }

  private csrfFor(userid: string, hex: string): string {
    return `${hex}:${this.sign(`${hex}:${userid}`)}`;
  }

  private verifyTicket(ticket: string, nowSec: number): string | undefined {
    const m = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    if (!m) return undefined;
    const [, userid, hex, sig] = m as unknown as [string, string, string, string];
    if (!sameText(sig, this.sign(`PVE:${userid}:${hex}`))) return undefined;
    const age = nowSec - Number.parseInt(hex, 16);
    if (age < -300 || age > this.ticketLifetimeSec) return undefined;
    return userid;
  }

  private sign(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64");
  }

  /** Effective privileges of a principal on an ACL path. */
  privileges(principal: Principal, path: string): Set<string> {
    const userPrivs = this.privsOf(principal.userid, path);
    if (!principal.tokenId) return userPrivs;
    const token = this.tokens.find((t) => t.tokenId === principal.tokenId);
    if (!token?.privsep) return userPrivs;
    const tokenPrivs = this.privsOf(principal.tokenId, path);
    return new Set([...userPrivs].filter((p) => tokenPrivs.has(p)));
  }

  private privsOf(id: string, path: string): Set<string> {
    if (id === "root@pam") return new Set(ALL_PRIVILEGES);
    const parts = path.split("/").filter((s) => s.length > 0);
    let current = new Set<string>();
    for (let depth = 0; depth <= parts.length; depth++) {
      const prefix = `/${parts.slice(0, depth).join("/")}`;
      const exact = depth === parts.length;
      const entries = this.acl.filter((e) => e.principal === id && e.path === prefix && (exact || e.propagate));
      if (entries.length > 0) current = new Set(entries.flatMap((e) => e.privs));
    }
    return current;
  }

  has(principal: Principal, path: string, priv: string): boolean {
    return this.privileges(principal, path).has(priv);
  }

  /** Throws the real 403 unless the principal holds `priv` on `path`. */
  require(principal: Principal, path: string, priv: string): void {
    if (!this.has(principal, path, priv)) throw permissionError(path, priv);
  }

  /** Throws 403 naming the first privilege unless any of `privs` is held. */
  requireAny(principal: Principal, path: string, privs: readonly string[]): void {
    const held = this.privileges(principal, path);
    if (!privs.some((p) => held.has(p))) throw permissionError(path, privs.join("|"));
  }

  /** GET /access/permissions: `{path: {priv: 1}}` for every ACL path known for the principal (or one path). */
  permissionMap(principal: Principal, onlyPath?: string): Record<string, Record<string, number>> {
    const ids = [principal.userid, principal.tokenId].filter((x): x is string => Boolean(x));
    const paths = onlyPath
      ? [onlyPath]
      : [...new Set(["/", ...this.acl.filter((e) => ids.includes(e.principal)).map((e) => e.path)])].sort();
    const out: Record<string, Record<string, number>> = {};
    for (const p of paths) {
      const privs = [...this.privileges(principal, p)].sort();
      if (privs.length === 0 && !onlyPath) continue;
      out[p] = Object.fromEntries(privs.map((x) => [x, 1]));
    }
    return out;
  }
}

function unauthorized(reason: string): PveHttpError {
  return new PveHttpError(401, reason, { emptyBody: true });
}

function headerText(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join("; ") : (v ?? "");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sameText(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
