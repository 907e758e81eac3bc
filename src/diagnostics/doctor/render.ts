/** The doctor's findings as text: one line per finding, its detail and fix indented below when not ok. */
import type { DoctorReport } from "./types.ts";

const MARK = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

/**
 * @example
 * for (const line of renderDoctor(report, { verbose: false })) console.log(line);
 */
export function renderDoctor(report: DoctorReport, options: { verbose: boolean }): string[] {
  const out: string[] = [];
  for (const f of report.findings) {
    out.push(`${MARK[f.status]} ${f.id}: ${f.title}`);
    if (f.status !== "ok" || options.verbose) {
      for (const line of f.detail.split("\n").filter((l) => l !== "")) out.push(`       ${line}`);
    }
    if (f.fix) out.push(`       fix: ${f.fix}`);
  }
  const s = report.summary;
  out.push("");
  out.push(`${s.fail} fail, ${s.warn} warn, ${s.ok} ok${report.source ? ` (${report.source})` : ""}`);
  return out;
}
