import { Code, ConnectError } from "@connectrpc/connect";
import { scrubSecrets } from "../observability/secrets.ts";

/** What went wrong, as callers branch on it. Mapped from gRPC codes per call kind (COSI client semantics). */
export type OmniErrorCode =
  | "not_found"
  | "already_exists"
  | "conflict"
  | "phase_conflict"
  | "owner_conflict"
  | "permission_denied"
  | "unauthenticated"
  | "invalid"
  | "unimplemented"
  | "unavailable"
  | "failed_precondition"
  | "internal";

/**
 * The kind of call that failed: the same gRPC code means different things for different calls (e.g.
 * FAILED_PRECONDITION is a version conflict on Update but an unknown bookmark on Watch).
 */
export type OmniCallKind =
  | "get"
  | "list"
  | "create"
  | "update"
  | "destroy"
  | "teardown"
  | "watch"
  | "management"
  | "local";

/**
 * An error from the Omni API (or from validating a request before it is sent). `grpcCode` and `serverMessage`
 * keep the raw answer for diagnosis, because Omni overloads codes (e.g. PERMISSION_DENIED for both owner conflicts
 * and authorization failures). Messages are scrubbed of registered secrets.
 *
 * @example
 * try { await state.get(MachineRequests, "r1") } catch (e) { if (isOmniError(e, "not_found")) return; throw e; }
 */
export class OmniError extends Error {
  readonly code: OmniErrorCode;
  /** The gRPC status code name, when the error came from the server. */
  readonly grpcCode: string | undefined;
  /** The server's status message (scrubbed), when the error came from the server. */
  readonly serverMessage: string | undefined;

  constructor(
    code: OmniErrorCode,
    message: string,
    options: { grpcCode?: string; serverMessage?: string; cause?: unknown } = {},
  ) {
    super(scrubSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OmniError";
    this.code = code;
    this.grpcCode = options.grpcCode;
    this.serverMessage = options.serverMessage === undefined ? undefined : scrubSecrets(options.serverMessage);
  }
}

/** True when `e` is an OmniError (with the given code, if one is given). */
export function isOmniError(e: unknown, code?: OmniErrorCode): e is OmniError {
  return e instanceof OmniError && (code === undefined || e.code === code);
}

const WRITE_KINDS: ReadonlySet<OmniCallKind> = new Set(["create", "update", "destroy", "teardown"]);

/** Maps a gRPC status code to our code for a call kind (see the table in omni-protocol.md §3.5). */
export function omniCodeFor(code: Code, kind: OmniCallKind): OmniErrorCode {
  switch (code) {
    case Code.NotFound:
      return "not_found";
    case Code.AlreadyExists:
      return "already_exists";
    case Code.PermissionDenied:
      // The COSI client adapter reads PERMISSION_DENIED on writes as an owner mismatch.
      return WRITE_KINDS.has(kind) ? "owner_conflict" : "permission_denied";
    case Code.FailedPrecondition:
      // Version conflict on Update, pending finalizers on Destroy/Teardown; elsewhere a plain precondition.
      return kind === "update" || kind === "destroy" || kind === "teardown" ? "conflict" : "failed_precondition";
    case Code.InvalidArgument:
      return kind === "update" ? "phase_conflict" : "invalid";
    case Code.OutOfRange:
      return "invalid";
    case Code.Unauthenticated:
      return "unauthenticated";
    case Code.Unimplemented:
      return "unimplemented";
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.ResourceExhausted:
    case Code.Aborted:
    case Code.Canceled:
      return "unavailable";
    default:
      return "internal";
  }
}

/**
 * Converts anything thrown by a Connect call into an OmniError naming the call (`what`, e.g.
 * `update infra-provider/MachineRequests.omni.sidero.dev/r1`). OmniErrors pass through unchanged.
 */
export function toOmniError(e: unknown, kind: OmniCallKind, what: string): OmniError {
  if (e instanceof OmniError) return e;
  const ce = ConnectError.from(e);
  // A stream the server refused while restarting (HTTP/2 REFUSED_STREAM) reaches us as Internal, but it
  // never ran on the server: safe to retry like any outage. This is the one transport text we look at.
  const refused = ce.code === Code.Internal && /REFUSED_STREAM/.test(ce.rawMessage);
  const code = refused ? "unavailable" : omniCodeFor(ce.code, kind);
  const codeName = Code[ce.code] ?? String(ce.code);
  return new OmniError(code, `${what}: ${codeName}: ${ce.rawMessage}`, {
    grpcCode: codeName,
    serverMessage: ce.rawMessage,
    cause: e,
  });
}
