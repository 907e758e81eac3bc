import type { FaultSpec } from "./pve/index.ts";

/** What `--faults SPEC` asks of the Proxmox simulator. */
export interface LabFaults {
  rules: FaultSpec[];
  offlineNodes: string[];
}

const HELP =
  "write --faults as comma-separated key=value items: error-rate=0.05 (share of API calls answered 500), " +
  "latency=50ms, task-failure=0.2 (share of create/start tasks that fail), reset-rate=0.01 (connections reset), " +
  "offline=NODE (repeatable)";

/**
 * Parses the lab's `--faults` flag.
 *
 * @example
 * parseLabFaults("error-rate=0.05,latency=20ms,offline=hotel");
 */
export function parseLabFaults(text: string): LabFaults {
  const faults: LabFaults = { rules: [], offlineNodes: [] };
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value = ""] = item.split("=", 2).map((s) => s.trim()) as [string, string?];
    switch (key) {
      case "error-rate":
        faults.rules.push({ errorRate: rate(key, value), status: 500, message: "injected fault (lab --faults)" });
        break;
      case "reset-rate":
        faults.rules.push({ errorRate: rate(key, value), connectionReset: true });
        break;
      case "task-failure":
        faults.rules.push({
          endpoint: "/^\\/nodes\\/[^/]+\\/qemu(\\/\\d+\\/status\\/start)?$/",
          method: "POST",
          errorRate: rate(key, value),
          taskFailure: "injected task failure (lab --faults)",
        });
        break;
      case "latency": {
        const match = /^(\d+)(ms|s)?$/.exec(value);
        if (!match) throw new Error(`--faults: latency "${value}" is not a duration; write e.g. latency=50ms`);
        faults.rules.push({ latencyMs: Number(match[1]) * (match[2] === "s" ? 1000 : 1) });
        break;
      }
      case "offline":
        if (!value) throw new Error("--faults: offline needs a node name, e.g. offline=hotel");
        faults.offlineNodes.push(value);
        break;
      default:
        throw new Error(`--faults: unknown item "${item}"; ${HELP}`);
    }
  }
  return faults;
}

function rate(key: string, value: string): number {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`--faults: ${key} "${value}" must be a share between 0 and 1, e.g. ${key}=0.05`);
  }
  return n;
}
