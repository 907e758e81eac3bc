/**
 * Errors raised while building a NoCloud (cidata) image. Callers branch on `code`, never on the message.
 *
 * - `invalid_iso_input`: a file name, volume id or timestamp the ISO 9660 writer cannot encode.
 * - `iso_too_large`: a file or the whole image exceeds what a single-extent ISO 9660 volume can address.
 * - `invalid_metadata`: instance-id or hostname unusable in NoCloud meta-data.
 * - `invalid_network_config`: static networking input that Talos could not apply (bad address, MAC, MTU…).
 */
export type CidataErrorCode = "invalid_iso_input" | "iso_too_large" | "invalid_metadata" | "invalid_network_config";

export class CidataError extends Error {
  readonly code: CidataErrorCode;
  /** The input field the error is about, e.g. `files[2].name` or `interfaces[0].mac`. */
  readonly field: string;

  constructor(code: CidataErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options);
    this.name = "CidataError";
    this.code = code;
    this.field = field;
  }
}

export function isCidataError(err: unknown, code?: CidataErrorCode): err is CidataError {
  return err instanceof CidataError && (code === undefined || err.code === code);
}
