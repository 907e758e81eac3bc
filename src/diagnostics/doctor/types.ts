/** What `doctor` reports: one finding per check, each with what it saw and the fix. */
export type FindingStatus = "ok" | "warn" | "fail";

export interface Finding {
  /** Stable ID, e.g. `proxmox.privileges.vms`; docs/troubleshooting.md maps symptoms to these. */
  readonly id: string;
  readonly status: FindingStatus;
  /** One line: what was checked and the verdict. */
  readonly title: string;
  /** What was seen (may span lines). */
  readonly detail: string;
  /** What to do; empty when nothing needs doing. */
  readonly fix: string;
}

export interface DoctorReport {
  readonly source: string;
  readonly findings: readonly Finding[];
  readonly summary: { readonly ok: number; readonly warn: number; readonly fail: number };
}

export function ok(id: string, title: string, detail = ""): Finding {
  return { id, status: "ok", title, detail, fix: "" };
}

export function warn(id: string, title: string, detail: string, fix: string): Finding {
  return { id, status: "warn", title, detail, fix };
}

export function fail(id: string, title: string, detail: string, fix: string): Finding {
  return { id, status: "fail", title, detail, fix };
}

export function summarize(findings: readonly Finding[]): DoctorReport["summary"] {
  return {
    ok: findings.filter((f) => f.status === "ok").length,
    warn: findings.filter((f) => f.status === "warn").length,
    fail: findings.filter((f) => f.status === "fail").length,
  };
}
