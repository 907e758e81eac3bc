/**
 * Shared set-up of the Proxmox client integration tests: a simulator over HTTPS, clients configured
 * for each TLS mode, and a recorder of every request the clients send that is checked against the
 * official schema (apidata.json) — so every integration test file also proves conformance.
 */
import assert from "node:assert/strict";
import { type PveSimulator, type PveSimulatorOptions, startPveSimulator } from "../../src/lab/pve/index.ts";
import { type ApiSchema, loadApiSchema, type Violation, validateRequest } from "../../src/lab/pve/schema/index.ts";
import { ProxmoxClient, type ProxmoxClientOptions, type RequestRecord } from "../../src/proxmox/index.ts";

export type TlsMode = "caFile" | "fingerprint";
export const TLS_MODES: readonly TlsMode[] = ["caFile", "fingerprint"];

export type Who = "provider" | "admin" | "noAllocate" | "root";

export interface Harness {
  sim: PveSimulator;
  records: RequestRecord[];
  /** A client of `who`, verifying the simulator's certificate by `tls`. Closed by {@link Harness.close}. */
  client(tls?: TlsMode, who?: Who, extra?: Partial<ProxmoxClientOptions>): ProxmoxClient;
  /** Schema violations among the recorded requests. */
  violations(): { record: RequestRecord; violations: Violation[] }[];
  close(): Promise<void>;
}

let schema: ApiSchema | undefined;

/** Fast retries and no real waiting: tests must not sleep on wall-clock time. */
const FAST = { retry: { attempts: 3, initialMs: 1, maxMs: 2 }, sleep: async () => {} } as const;

export async function startHarness(options: PveSimulatorOptions = {}): Promise<Harness> {
  schema ??= loadApiSchema();
  const sim = await startPveSimulator({ timeFactor: 0, ...options });
  const records: RequestRecord[] = [];
  const clients: ProxmoxClient[] = [];
  return {
    sim,
    records,
    client(tls = "caFile", who = "provider", extra = {}) {
      const creds: Partial<ProxmoxClientOptions> =
        who === "root"
          ? { username: sim.users.root.username, realm: sim.users.root.realm, password: sim.users.root.password }
          : { tokenID: sim.tokens[who].tokenId, tokenSecret: sim.tokens[who].secret };
      const c = new ProxmoxClient({
        url: sim.url,
        ...(tls === "caFile" ? { caFile: sim.caFile } : { fingerprint: sim.fingerprint }),
        ...creds,
        ...FAST,
        onRequest: (r) => records.push(r),
        ...extra,
      });
      clients.push(c);
      return c;
    },
    violations() {
      const s = schema as ApiSchema;
      return records
        .map((record) => ({ record, violations: validateRequest(s, record.method, record.path, record.params) }))
        .filter((v) => v.violations.length > 0);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await sim.close();
    },
  };
}

/** Asserts that every recorded request conforms to the schema (and that something was recorded). */
export function assertConformant(h: Harness): void {
  assert.ok(h.records.length > 0, "no requests recorded");
  assert.deepEqual(h.violations(), []);
}
