/**
 * Typed simulator errors. `code` is the gRPC status the wire layer answers with; messages follow Omni's
 * wording where clients or humans read them (protocol notes §3.5, §5).
 */
import { Code, ConnectError } from "@connectrpc/connect";

export type OmniErrorCode =
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "failed_precondition"
  | "invalid_argument"
  | "unauthenticated"
  | "unimplemented"
  | "unknown"
  | "internal";

const GRPC_CODE: Record<OmniErrorCode, Code> = {
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  failed_precondition: Code.FailedPrecondition,
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  unimplemented: Code.Unimplemented,
  unknown: Code.Unknown,
  internal: Code.Internal,
};

export class OmniSimError extends Error {
  readonly code: OmniErrorCode;
  constructor(code: OmniErrorCode, message: string) {
    super(message);
    this.name = "OmniSimError";
    this.code = code;
  }

  toConnectError(): ConnectError {
    return new ConnectError(this.message, GRPC_CODE[this.code]);
  }
}

export function simError(code: OmniErrorCode, message: string): OmniSimError {
  return new OmniSimError(code, message);
}

/** Map any thrown value to what the wire layer sends, without leaking internals. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof OmniSimError) return error.toConnectError();
  if (error instanceof ConnectError) return error;
  return new ConnectError("internal simulator error", Code.Internal);
}
