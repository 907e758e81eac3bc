/**
 * The HTTP layer of the Proxmox client: authentication headers, parameter encoding (query for GET and
 * DELETE, form body for POST and PUT), per-call timeouts, envelope decoding into data or a typed
 * {@link ProxmoxError}, and retries with exponential backoff + jitter for idempotent reads only.
 */
import { Readable } from "node:stream";
import type { Logger } from "pino";
import { type Agent, request } from "undici";
import { silentLogger } from "../observability/logger.ts";
import { scrubSecrets } from "../observability/secrets.ts";
import { type ApiToken, type Credentials, type TicketGrant, TicketSession, tokenHeader } from "./auth.ts";
import { endpointTemplate } from "./endpoint.ts";
import { classifyResponse, ProxmoxError, type ProxmoxErrorCode } from "./errors.ts";
import { FINGERPRINT_MISMATCH } from "./tls.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A request parameter; booleans are sent as `1`/`0` (Proxmox rejects `true`), `undefined` is omitted. */
export type ParamInput = string | number | boolean | undefined;
export type Params = Readonly<Record<string, ParamInput>>;

export interface RetryPolicy {
  /** Total attempts for an idempotent call, including the first. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialMs: 250, maxMs: 5_000 };

/** One request as sent, for conformance checks and debugging (passwords replaced). */
export interface RequestRecord {
  method: HttpMethod;
  /** Path below `/api2/json`, without query string. */
  path: string;
  params: Record<string, string>;
  /** HTTP status, or 0 when no answer arrived (connection, TLS or timeout failure). */
  status: number;
  /** Schema template of `path` (`/nodes/{node}/qemu/{vmid}/config`), for metric labels. */
  endpoint: string;
  durationMs: number;
}

export interface TransportOptions {
  /** `https://host:8006`, with or without `/api2/json`. */
  baseUrl: string;
  dispatcher: Agent;
  credentials: Credentials;
  /** Per-call timeout (default 30 s). */
  timeoutMs?: number;
  retry?: RetryPolicy;
  logger?: Logger;
  /** Called after every response (also errors), with the parameters as sent. */
  onRequest?: (record: RequestRecord) => void;
  /** Injected for tests: delay and randomness of the backoff, and the clock of ticket renewal. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Retry on transient failures. Defaults to true for GET, false otherwise. */
  idempotent?: boolean;
}

/** A streamed multipart body with a known length (Proxmox refuses chunked uploads). */
export interface MultipartBody {
  contentType: string;
  length: number;
  stream: () => AsyncIterable<Uint8Array> | Readable;
}

const RETRYABLE: ReadonlySet<ProxmoxErrorCode> = new Set(["unavailable", "timeout", "node_unreachable"]);

export class Transport {
  readonly #base: string;
  readonly #dispatcher: Agent;
  readonly #token: ApiToken | undefined;
  readonly #session: TicketSession | undefined;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #log: Logger;
  readonly #onRequest: ((record: RequestRecord) => void) | undefined;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: TransportOptions) {
    const trimmed = options.baseUrl.replace(/\/+$/, "");
    this.#base = trimmed.endsWith("/api2/json") ? trimmed : `${trimmed}/api2/json`;
    this.#dispatcher = options.dispatcher;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#log = options.logger ?? silentLogger();
    this.#onRequest = options.onRequest;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    const creds = options.credentials;
    if (creds.kind === "token") {
      this.#token = { tokenId: creds.tokenId, secret: creds.secret };
    } else {
      this.#session = new TicketSession(creds.username, creds.password, (u, p) => this.#login(u, p), options.now);
    }
  }

  /**
   * Sends one API call and returns its `data`. GETs retry transient failures; writes never do.
   *
   * @example
   * const version = await transport.call<{ version: string }>("GET", "/version");
   */
  async call<T>(method: HttpMethod, path: string, params: Params = {}, options: CallOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? method === "GET";
    const attempts = idempotent ? Math.max(1, this.#retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#authenticated<T>(method, path, params, undefined, options);
      } catch (err) {
        if (!(err instanceof ProxmoxError) || !RETRYABLE.has(err.code) || attempt >= attempts) throw err;
        const delay = this.#backoff(attempt);
        this.#log.debug({ method, path, code: err.code, attempt, delayMs: delay }, "retrying Proxmox read");
        await this.#sleep(delay);
      }
    }
  }

  /**
   * Sends a multipart upload (never retried: the stream is consumed). `fields` are the form fields in
   * the body; they are only reported to `onRequest`.
   */
  async upload<T>(path: string, body: MultipartBody, fields: Params, options: CallOptions = {}): Promise<T> {
    return this.#authenticated<T>("POST", path, fields, body, options);
  }

  /** "Equal jitter": half the exponentially growing cap, plus a random share of the other half. */
  #backoff(attempt: number): number {
    const cap = Math.min(this.#retry.maxMs, this.#retry.initialMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (cap / 2) * this.#random());
  }

  async #authenticated<T>(
    method: HttpMethod,
    path: string,
    params: Params,
    multipart: MultipartBody | undefined,
    options: CallOptions,
  ): Promise<T> {
    if (!this.#session) return this.#send<T>(method, path, params, multipart, options, this.#tokenHeaders());
    const grant = await this.#session.current();
    try {
      return await this.#send<T>(method, path, params, multipart, options, ticketHeaders(grant, method));
    } catch (err) {
      // A rejected ticket (server restart, clock skew): log in again once. Safe for writes too — a 401
      // is raised before any handler runs — but not for uploads, whose body stream is consumed: those
      // fail, and the next call logs in afresh.
      if (!(err instanceof ProxmoxError) || err.code !== "auth_failed") throw err;
      this.#session.invalidate(grant);
      if (multipart) throw err;
      const fresh = await this.#session.current();
      return this.#send<T>(method, path, params, multipart, options, ticketHeaders(fresh, method));
    }
  }

  #tokenHeaders(): Record<string, string> {
    return this.#token ? { authorization: tokenHeader(this.#token) } : {};
  }

  async #login(username: string, password: string): Promise<TicketGrant> {
    const grant = await this.#send<TicketGrant>("POST", "/access/ticket", { username, password }, undefined, {}, {});
    if (!grant?.ticket || !grant.CSRFPreventionToken) {
      throw new ProxmoxError(
        "auth_failed",
        `login of '${username}' returned no ticket; check username, realm and password`,
      );
    }
    return grant;
  }

  async #send<T>(
    method: HttpMethod,
    path: string,
    params: Params,
    multipart: MultipartBody | undefined,
    options: CallOptions,
    authHeaders: Record<string, string>,
  ): Promise<T> {
    const encoded = encodeParams(params);
    // Multipart fields travel in the body; `params` then only describes them for onRequest.
    const query = method === "GET" || method === "DELETE" ? new URLSearchParams(encoded).toString() : "";
    const url = `${this.#base}${path}${query ? `?${query}` : ""}`;
    const headers: Record<string, string> = { accept: "application/json", ...authHeaders };
    let body: string | Readable | undefined;
    if (multipart) {
      headers["content-type"] = multipart.contentType;
      headers["content-length"] = String(multipart.length);
      const source = multipart.stream();
      body = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
    } else if (method === "POST" || method === "PUT") {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(encoded).toString();
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    let status = 0;
    try {
      const res = await request(url, { method, headers, body, signal, dispatcher: this.#dispatcher });
      status = res.statusCode;
      const text = await res.body.text();
      const parsed = parseJson(text);
      this.#log.debug({ method, path, status, durationMs: Math.round(performance.now() - started) }, "proxmox request");
      if (status >= 200 && status < 300) {
        // Every Proxmox success is `{"data": …}`; anything else (a login page, a proxy) must not reach
        // callers as `undefined`.
        if (isRecord(parsed) && "data" in parsed) return parsed.data as T;
        throw new ProxmoxError(
          "unknown",
          `Proxmox ${method} ${path} answered ${status} without a JSON {"data": …} envelope (content-type '${res.headers["content-type"] ?? "none"}'); check that url points at the Proxmox API, e.g. https://pve1:8006`,
          { status, method, path },
        );
      }
      throw classifyResponse({ status, statusText: res.statusText ?? "", body: parsed, method, path });
    } catch (err) {
      const failure = err instanceof ProxmoxError ? err : transportError(err, method, path, timeoutMs);
      this.#log.debug({ method, path, status, code: failure.code, err: failure.message }, "proxmox request failed");
      throw failure;
    } finally {
      this.#onRequest?.({
        method,
        path,
        params: redactParams(path, encoded),
        status,
        endpoint: endpointTemplate(path),
        durationMs: Math.round(performance.now() - started),
      });
    }
  }
}

function ticketHeaders(grant: TicketGrant, method: HttpMethod): Record<string, string> {
  const headers: Record<string, string> = { cookie: `PVEAuthCookie=${encodeURIComponent(grant.ticket)}` };
  if (method !== "GET") headers.csrfpreventiontoken = grant.CSRFPreventionToken;
  return headers;
}

/** Proxmox wants booleans as 1/0 and numbers as their decimal text. */
export function encodeParams(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] = typeof v === "boolean" ? (v ? "1" : "0") : String(v);
  }
  return out;
}

function redactParams(path: string, params: Record<string, string>): Record<string, string> {
  if (path !== "/access/ticket" || params.password === undefined) return params;
  return { ...params, password: "[REDACTED]" };
}

function transportError(err: unknown, method: string, path: string, timeoutMs: number): ProxmoxError {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? "";
  const detail = scrubSecrets(e.message ?? String(err));
  const where = `${method} ${path}`;
  if (e.name === "TimeoutError" || e.name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return new ProxmoxError("timeout", `Proxmox ${where} timed out after ${timeoutMs} ms`, {
      method,
      path,
      cause: err,
    });
  }
  if (code === FINGERPRINT_MISMATCH || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME/.test(code)) {
    return new ProxmoxError(
      "tls_failed",
      `Proxmox ${where}: TLS verification failed (${code}: ${detail}); set caFile to the CA bundle or fingerprint to the node certificate's SHA-256`,
      { method, path, cause: err },
    );
  }
  return new ProxmoxError("unavailable", `Proxmox ${where}: cannot reach the API (${code || "error"}: ${detail})`, {
    method,
    path,
    cause: err,
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
