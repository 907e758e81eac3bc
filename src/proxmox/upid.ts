import { ProxmoxError } from "./errors.ts";

/** A Proxmox task id (`UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`), decoded. */
export interface Upid {
  node: string;
  pid: number;
  /** Process start time in clock ticks since boot. */
  pstart: number;
  /** Task start, Unix seconds. */
  starttime: number;
  /** Worker type, e.g. `qmcreate`, `qmstart`, `download`, `imgcopy`. */
  type: string;
  /** The object the task works on (a vmid, a file name); may be empty. */
  id: string;
  /** Who started it: `root@pam` or a token id such as `omni@pve!provider`. */
  user: string;
}

const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/**
 * Parses a UPID with the same rules as the server; anything else is `invalid_params`.
 *
 * @example
 * parseUpid("UPID:pve1:000A1B2C:0123ABCD:6740F00D:qmcreate:101:root@pam:");
 * // { node: "pve1", pid: 662316, pstart: 19114957, starttime: 1732308941, type: "qmcreate", id: "101", user: "root@pam" }
 */
export function parseUpid(text: string): Upid {
  const m = UPID_RE.exec(text);
  if (!m) {
    throw new ProxmoxError(
      "invalid_params",
      `'${text}' is not a Proxmox task id: expected UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`,
      { params: { upid: "unable to parse worker upid" } },
    );
  }
  const [, node, pid, pstart, starttime, type, id, user] = m as unknown as string[];
  return {
    node: node as string,
    pid: Number.parseInt(pid as string, 16),
    pstart: Number.parseInt(pstart as string, 16),
    starttime: Number.parseInt(starttime as string, 16),
    type: type as string,
    id: id as string,
    user: user as string,
  };
}

/** True when `text` is a well-formed UPID. */
export function isUpid(text: unknown): text is string {
  return typeof text === "string" && UPID_RE.test(text);
}

/**
 * Formats a UPID the way Proxmox does (upper-case hex, 8 digits, trailing colon).
 *
 * @example
 * formatUpid({ node: "pve1", pid: 1, pstart: 2, starttime: 3, type: "qmstart", id: "101", user: "root@pam" });
 * // "UPID:pve1:00000001:00000002:00000003:qmstart:101:root@pam:"
 */
export function formatUpid(upid: Upid): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `UPID:${upid.node}:${hex(upid.pid)}:${hex(upid.pstart)}:${hex(upid.starttime)}:${upid.type}:${upid.id}:${upid.user}:`;
}
