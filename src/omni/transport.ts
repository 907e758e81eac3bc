import { readFileSync } from "node:fs";
import type * as http2 from "node:http2";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import type { Logger } from "../observability/logger.ts";
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_STREAM_TIMEOUT_MS, withDefaultDeadlines } from "./deadlines.ts";
import { OmniError } from "./errors.ts";
import type { ServiceAccountKey } from "./key.ts";
import { GuardedSessionManager } from "./session-manager.ts";
import { createSigningInterceptor } from "./signing.ts";

/** gRPC message limit on both sides (Omni's receive limit and the Go client's). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/** HTTP/2 PING interval while streams are open, as the Go client does. */
export const KEEPALIVE_INTERVAL_MS = 60_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;
/** Metadata key carrying the provider ID on State calls (informational for Omni). */
export const PROVIDER_ID_HEADER = "providerid";
const STATE_SERVICE = "cosi.resource.State";

export interface OmniTransportOptions {
  /** Omni API URL: `https://host[:port]` (TLS, ALPN h2) or `http://` / `grpc://` (h2c). Any path is ignored. */
  endpoint: string;
  key: ServiceAccountKey;
  /** Skip TLS certificate verification (only when explicitly asked for). */
  insecureSkipVerify?: boolean;
  /** PEM file with the CA(s) to trust instead of the system roots. */
  caFile?: string;
  /** Extra interceptors, run before signing. */
  interceptors?: Interceptor[];
  /** Signing clock (tests). */
  clock?: () => Date;
  /**
   * Deadline of unary calls that set none (default 30 s; 0 = none). An expired deadline rejects with
   * `OmniError` code `unavailable` (grpcCode `DeadlineExceeded`): retry it like any other outage.
   */
  callTimeoutMs?: number;
  /** Deadline of List streams that set none (default 5 min; 0 = none). Watch streams never get one. */
  streamTimeoutMs?: number;
  /** Receives (at debug level) connection-level errors such as Omni going away while the connection is idle. */
  logger?: Logger;
}

/** A Connect transport bound to one Omni endpoint and identity. Call close() to drop the HTTP/2 connection. */
export interface OmniTransport extends Transport {
  readonly providerId: string;
  /** `host:port` actually dialled. */
  readonly target: string;
  readonly tls: boolean;
  close(): void;
}

/** Where and how to dial, derived from an Omni endpoint URL the way the Go client does it. */
export interface DialTarget {
  baseUrl: string;
  target: string;
  tls: boolean;
}

/**
 * Turns an endpoint URL into a dial target: https → TLS on port 443 by default; http, grpc or any other scheme →
 * cleartext HTTP/2 (h2c) on port 80 by default. Only host and port are kept: gRPC runs at the URL root.
 *
 * @example
 * resolveDialTarget("https://omni.example.com/some/path"); // { baseUrl: "https://omni.example.com:443", target: "omni.example.com:443", tls: true }
 */
export function resolveDialTarget(endpoint: string): DialTarget {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new OmniError(
      "invalid",
      `Omni endpoint "${endpoint}" is not a URL; use https://host[:port] or http://host[:port] (OMNI_ENDPOINT)`,
    );
  }
  if (url.hostname === "") {
    throw new OmniError("invalid", `Omni endpoint "${endpoint}" has no host; use https://host[:port]`);
  }
  const tls = url.protocol === "https:";
  const port = url.port !== "" ? url.port : tls ? "443" : "80";
  const target = `${url.hostname}:${port}`;
  return { baseUrl: `${tls ? "https" : "http"}://${target}`, target, tls };
}

/**
 * Creates the gRPC (HTTP/2) transport to Omni: every call signed with the service-account key, `providerid`
 * metadata on State calls, gzip responses accepted, 32 MiB message limit, keepalive PINGs every 60 s while
 * streams are open, TLS verified against the system roots or `caFile` unless `insecureSkipVerify`.
 * Unary calls get a 30 s deadline and List streams 5 min unless they bring their own; Watch stays open. A
 * connection dropped by Omni (restart, GOAWAY) while idle is reopened on the next call, never a crash.
 *
 * @example
 * const transport = createOmniTransport({ endpoint: "https://omni.example.com", key });
 * const state = new StateClient(transport, key.providerId);
 */
export function createOmniTransport(options: OmniTransportOptions): OmniTransport {
  const dial = resolveDialTarget(options.endpoint);
  const nodeOptions: http2.SecureClientSessionOptions = {};
  if (dial.tls) {
    if (options.caFile !== undefined) {
      try {
        nodeOptions.ca = readFileSync(options.caFile);
      } catch (e) {
        throw new OmniError("invalid", `cannot read Omni CA file "${options.caFile}": ${(e as Error).message}`);
      }
    }
    nodeOptions.rejectUnauthorized = options.insecureSkipVerify !== true;
    nodeOptions.ALPNProtocols = ["h2"];
  }
  const logger = options.logger;
  const sessionManager = new GuardedSessionManager(
    dial.baseUrl,
    { pingIntervalMs: KEEPALIVE_INTERVAL_MS, pingTimeoutMs: KEEPALIVE_TIMEOUT_MS, pingIdleConnection: false },
    nodeOptions,
    (err) => logger?.debug({ target: dial.target, err: err.message }, "Omni connection closed with an error"),
  );
  const providerId = options.key.providerId;
  const providerIdInterceptor: Interceptor = (next) => (req) => {
    if (req.service.typeName === STATE_SERVICE) req.header.set(PROVIDER_ID_HEADER, providerId);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: dial.baseUrl,
    sessionManager,
    // Connect runs interceptors outermost-first; signing must see the final metadata, so it goes last.
    interceptors: [
      providerIdInterceptor,
      ...(options.interceptors ?? []),
      createSigningInterceptor(options.key, options.clock),
    ],
    acceptCompression: [compressionGzip],
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  });
  const bounded = withDefaultDeadlines(transport, {
    callTimeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    streamTimeoutMs: options.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS,
  });
  return {
    unary: bounded.unary,
    stream: bounded.stream,
    providerId,
    target: dial.target,
    tls: dial.tls,
    close: () => sessionManager.abort(),
  };
}

export { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_STREAM_TIMEOUT_MS } from "./deadlines.ts";
