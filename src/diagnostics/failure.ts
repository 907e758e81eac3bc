/**
 * Turns the errors `plan` and `doctor` can meet before they have a report (bad flags, unreadable files,
 * unreachable Proxmox) into one line for the operator. Unknown errors keep their message.
 */
import { scrubSecrets } from "../observability/secrets.ts";
import type { ValidationFinding } from "./validate/index.ts";

export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly findings: readonly ValidationFinding[];
}

/**
 * @example
 * const { message } = describeFailure(err); // "proxmox.url: required (set it in the config file or PROXMOX_URL)"
 */
export function describeFailure(err: unknown): Failure {
  const e = err as { code?: unknown; message?: unknown; findings?: unknown };
  const code = typeof e?.code === "string" ? e.code : "unexpected";
  const message = scrubSecrets(typeof e?.message === "string" ? e.message : String(err));
  const findings = Array.isArray(e?.findings) ? (e.findings as ValidationFinding[]) : [];
  return { code, message, findings };
}
