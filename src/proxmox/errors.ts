import { scrubSecrets } from "../observability/secrets.ts";

/**
 * What went wrong, as a value callers branch on. Proxmox has no 404s and few distinct status codes, so
 * the code is derived here — the only place in the code base allowed to read Proxmox message text.
 */
export const PROXMOX_ERROR_CODES = [
  "not_found",
  "permission_denied",
  "invalid_params",
  "locked",
  "already_exists",
  /** The object is in the wrong state for the call (e.g. destroy of a running VM). */
  "conflict",
  "node_unreachable",
  "unavailable",
  "timeout",
  "task_failed",
  "auth_failed",
  /** The server certificate failed verification (CA, hostname or fingerprint pin). */
  "tls_failed",
  /** The server does not implement the endpoint (501), e.g. an older PVE release. */
  "unsupported",
  "unknown",
] as const;

export type ProxmoxErrorCode = (typeof PROXMOX_ERROR_CODES)[number];

export interface ProxmoxErrorDetails {
  /** HTTP status, when the error came from a response. */
  status?: number;
  method?: string;
  /** Request path below `/api2/json`, without the query string. */
  path?: string;
  /** Per-parameter messages of a 400 answer (`{"vmid":"VM 200 already exists"}`). */
  params?: Record<string, string>;
  /** For task_failed: the task's UPID, exit status and the last lines of its log. */
  upid?: string;
  exitStatus?: string;
  logTail?: string[];
  /** For task_failed: what the exit status says went wrong (`already_exists`, `locked`, …), if known. */
  reason?: ProxmoxErrorCode;
  cause?: unknown;
}

/**
 * A failed Proxmox API call. `code` is stable; `message` is for humans and never contains a registered
 * secret.
 *
 * @example
 * try { await client.deleteVm("pve1", 101); }
 * catch (err) { if (isProxmoxError(err, "not_found")) return; throw err; }
 */
export class ProxmoxError extends Error {
  readonly code: ProxmoxErrorCode;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly upid: string | undefined;
  readonly exitStatus: string | undefined;
  readonly logTail: readonly string[];
  readonly reason: ProxmoxErrorCode | undefined;

  constructor(code: ProxmoxErrorCode, message: string, details: ProxmoxErrorDetails = {}) {
    super(scrubSecrets(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "ProxmoxError";
    this.code = code;
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.params = Object.fromEntries(Object.entries(details.params ?? {}).map(([k, v]) => [k, scrubSecrets(v)]));
    this.upid = details.upid;
    this.exitStatus = details.exitStatus === undefined ? undefined : scrubSecrets(details.exitStatus);
    this.logTail = (details.logTail ?? []).map(scrubSecrets);
    this.reason = details.reason;
  }
}

/** True when `err` is a {@link ProxmoxError}, optionally with one of the given codes. */
export function isProxmoxError(err: unknown, ...codes: ProxmoxErrorCode[]): err is ProxmoxError {
  return err instanceof ProxmoxError && (codes.length === 0 || codes.includes(err.code));
}

/** What the transport saw of an error response. */
export interface ErrorResponse {
  status: number;
  /** The reason phrase, which Proxmox sets to the first line of the error message. */
  statusText: string;
  /** The parsed JSON body, if any (`{"data":null,"message":"…","errors":{…}}`). */
  body: unknown;
  method: string;
  path: string;
}

/**
 * Maps an HTTP error answer to a {@link ProxmoxError}. Reads the reason phrase, then the body's
 * `message`, then its `errors` map (older servers only set the reason phrase).
 *
 * @example
 * classifyResponse({ status: 500, statusText: "Configuration file 'nodes/pve1/qemu-server/101.conf' does not exist", body: null, method: "DELETE", path: "/nodes/pve1/qemu/101" }).code; // "not_found"
 */
export function classifyResponse(res: ErrorResponse): ProxmoxError {
  const body = isRecord(res.body) ? res.body : {};
  const params = stringMap(body.errors);
  const bodyMessage = typeof body.message === "string" ? body.message.trim() : "";
  const reason = res.statusText.trim();
  const text = bodyMessage || reason || `HTTP ${res.status}`;
  const paramText = Object.entries(params)
    .map(([k, v]) => `${k}: ${v.trim()}`)
    .join("; ");
  const where = `${res.method} ${res.path}`;
  const details: ProxmoxErrorDetails = { status: res.status, method: res.method, path: res.path, params };
  const code = codeFor(res.status, `${text}\n${Object.values(params).join("\n")}`);
  const summary = paramText ? `${text} (${paramText})` : text;
  return new ProxmoxError(code, `Proxmox ${where} failed with ${res.status}: ${summary}${hintFor(code)}`, details);
}

function codeFor(status: number, text: string): ProxmoxErrorCode {
  switch (status) {
    case 400:
      if (/\balready exists\b/i.test(text)) return "already_exists";
      if (/\bno such (storage|node|task|pool)\b/i.test(text)) return "not_found";
      return "invalid_params";
    case 401:
      return "auth_failed";
    case 403:
      return "permission_denied";
    case 501:
      return "unsupported";
    case 502:
    case 503:
    case 504:
      return "unavailable";
    case 595:
    case 596:
    case 597:
    case 599:
      return "node_unreachable";
    default:
      return classifyMessage(text);
  }
}

/**
 * Classifies the text of a plain `die` in a Proxmox handler (HTTP 500) or of a task's exit status.
 * Ordered from most to least specific.
 */
export function classifyMessage(text: string): ProxmoxErrorCode {
  if (/\balready exists\b/i.test(text)) return "already_exists";
  if (/\bis locked\b|can't lock file|got timeout.*lock/i.test(text)) return "locked";
  if (/\bdoes not exist\b|\bno such\b|\bnot found\b|hostname lookup '[^']*' failed/i.test(text)) return "not_found";
  if (/\bis running\b|\balready running\b|\bnot running\b|\bis a template\b|unable to get any free VMID/i.test(text)) {
    return "conflict";
  }
  if (/\bpermission check failed\b|\bonly root can\b/i.test(text)) return "permission_denied";
  if (/\bgot timeout\b|\btimed out\b/i.test(text)) return "timeout";
  return "unknown";
}

function hintFor(code: ProxmoxErrorCode): string {
  switch (code) {
    case "auth_failed":
      return " — check the API token (user@realm!id and secret) or the username/password/realm";
    case "permission_denied":
      return " — grant the missing privilege on the named ACL path to both the user and the token";
    case "node_unreachable":
      return " — the node is offline or unreachable from the node you connected to";
    default:
      return "";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}
