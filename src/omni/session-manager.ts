import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";

/** Told about an HTTP/2 session error that nothing else was listening for (the session is gone either way). */
export type SessionErrorListener = (err: Error) => void;

/**
 * connect-node's session manager with every HTTP/2 session guarded by an `error` listener of its own.
 *
 * Why: when the server goes away (Omni restarts) while a session has no open streams, connect-node destroys the
 * session with "received GOAWAY without any open streams" after its own listeners may already be detached; an
 * `error` event with no listener is an uncaught exception that kills the process (a standby replica sits idle
 * exactly like that). Streams in flight still see their own errors; the manager opens a new session on the next
 * request, so swallowing (and reporting) the session-level error loses nothing.
 *
 * @example
 * const manager = new GuardedSessionManager("https://omni.example.com:443", { pingIntervalMs: 60_000 }, {}, (e) =>
 *   logger.debug({ err: e.message }, "omni connection dropped"),
 * );
 */
export class GuardedSessionManager extends Http2SessionManager {
  readonly #guarded = new WeakSet<http2.Http2Session>();
  readonly #onSessionError: SessionErrorListener;

  constructor(
    url: string,
    pingOptions: ConstructorParameters<typeof Http2SessionManager>[1],
    http2SessionOptions: http2.ClientSessionOptions | http2.SecureClientSessionOptions,
    onSessionError: SessionErrorListener = () => {},
  ) {
    super(url, pingOptions, http2SessionOptions);
    this.#onSessionError = onSessionError;
  }

  override async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(method, path, headers, options);
    // Every session the manager hands out carries a stream first, so guarding here covers them all.
    this.#guard(stream.session);
    return stream;
  }

  #guard(session: http2.Http2Session | undefined): void {
    if (session === undefined || this.#guarded.has(session)) return;
    this.#guarded.add(session);
    session.on("error", (err: Error) => this.#onSessionError(err));
  }
}
