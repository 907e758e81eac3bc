/**
 * Errors raised by the infra provider runtime. Callers branch on `code`, never on the message.
 *
 * - `invalid_join_config`: Omni's join inputs (token, API URL, ports) are missing or malformed.
 * - `invalid_schematic`: a schematic request the runtime refuses to send (e.g. per-request token in a shared image).
 * - `invalid_provider`: the provider definition itself is unusable (duplicate step names, bad state codec).
 * - `lease_lost`: this replica no longer holds the leader lease; work was aborted.
 * - `stopped`: the runtime is shutting down.
 */
export type InfraErrorCode =
  | "invalid_join_config"
  | "invalid_schematic"
  | "invalid_provider"
  | "lease_lost"
  | "stopped";

export class InfraError extends Error {
  readonly code: InfraErrorCode;

  constructor(code: InfraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InfraError";
    this.code = code;
  }
}

export function isInfraError(err: unknown, code?: InfraErrorCode): err is InfraError {
  return err instanceof InfraError && (code === undefined || err.code === code);
}

/** The human text of any thrown value, for status fields and logs. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
