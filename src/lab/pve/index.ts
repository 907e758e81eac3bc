import { X509Certificate } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PveAdmin } from "./admin.ts";
import { AccessControl } from "./auth.ts";
import type { RouteTable, Simulator } from "./context.ts";
import { FaultInjector } from "./faults.ts";
import { clusterRoutes } from "./handlers/cluster.ts";
import { nodeRoutes } from "./handlers/nodes.ts";
import { qemuRoutes } from "./handlers/qemu.ts";
import { storageRoutes } from "./handlers/storage.ts";
import { loadState, saveState } from "./persistence.ts";
import { loadApiSchema } from "./schema/index.ts";
import { createRequestHandler, type TraceEntry } from "./server.ts";
import { ClusterState } from "./state.ts";
import { TaskManager } from "./tasks.ts";
import { defaultMatrixWorld, type PveWorld } from "./world.ts";

export { PveAdmin, type PveSnapshot } from "./admin.ts";
export type { FaultSpec } from "./faults.ts";
export type { TraceEntry } from "./server.ts";
export type { PveTask } from "./tasks.ts";
export * from "./world.ts";

export interface PveSimulatorOptions {
  /** The cluster to simulate (default {@link defaultMatrixWorld}). It is mutated as the API changes state. */
  world?: PveWorld;
  /** Port on 127.0.0.1 (0 = any free port). */
  port?: number;
  /** Scales task durations and the 401 delay: 1 = realistic, 0 = instant. Default 1. */
  timeFactor?: number;
  /** Append one JSON line per request received: `{"method","path","params","status"}`. */
  tracePath?: string;
  /**
   * Keep iso/import/snippets/vztmpl volumes as real files under this directory, and persist the model
   * (VMs, volumes, tasks, pools, HA, node states) in `pve-state.json` there, restored on the next start.
   */
  dataDir?: string;
  /** apidata.json location (default: env OMNI_PROXMOX_PVE_SCHEMA, else <repo>/../shared/proxmox/apidata.json). */
  schemaPath?: string;
}

export interface PveCredential {
  tokenId: string;
  secret: string;
  /** `user@realm!name=secret`, the form a `PVEAPIToken=` header carries. */
  full: string;
}

export interface PveSimulator {
  /** `https://127.0.0.1:PORT/api2/json` */
  url: string;
  /** CA bundle that verifies the server certificate. */
  caFile: string;
  /** SHA-256 fingerprint of the server certificate, `AA:BB:…` as Proxmox shows it. */
  fingerprint: string;
  tokens: { admin: PveCredential; provider: PveCredential; noAllocate: PveCredential };
  users: { root: { username: string; realm: string; password: string } };
  admin: PveAdmin;
  close(): Promise<void>;
}

const TLS_DIR = fileURLToPath(new URL("../tls/", import.meta.url));

/** Route table of every endpoint the simulator serves (others answer 501 like unimplemented handlers). */
export const PVE_ROUTES: RouteTable = { ...clusterRoutes, ...nodeRoutes, ...storageRoutes, ...qemuRoutes };

/**
 * Starts the Proxmox VE API simulator on 127.0.0.1 over HTTPS (lab certificate), validating every request
 * against the official schema before it reaches the model.
 *
 * @example
 * const pve = await startPveSimulator({ timeFactor: 0 });
 * const res = await fetch(`${pve.url}/version`, { headers: { Authorization: `PVEAPIToken=${pve.tokens.provider.full}` } });
 * await pve.close();
 */
export async function startPveSimulator(options: PveSimulatorOptions = {}): Promise<PveSimulator> {
  const world = options.world ?? defaultMatrixWorld();
  const schema = loadApiSchema(options.schemaPath);
  const timeFactor = options.timeFactor ?? 1;
  const nowSec = (): number => Math.floor(Date.now() / 1000);
  const cert = readFileSync(`${TLS_DIR}server.pem`);
  const fingerprint = new X509Certificate(cert).fingerprint256;
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const sim: Simulator = {
    state: new ClusterState(world, nowSec, options.dataDir),
    tasks: new TaskManager(world.maxWorkersPerNode, nowSec),
    access: new AccessControl(world.users, world.tokens, world.acl),
    schema,
    faults: new FaultInjector(),
    timeFactor,
    nowSec,
    certFingerprint: fingerprint,
    changed: () => {
      if (options.dataDir) saveState(options.dataDir, sim.state, sim.tasks);
    },
    durationMs: (type) => Math.round((world.taskDurationsMs[type] ?? 500) * timeFactor),
  };
  if (options.dataDir) loadState(options.dataDir, sim.state, sim.tasks);
  sim.tasks.onSettled = () => sim.changed();
  const admin = new PveAdmin(sim);
  if (options.tracePath) {
    mkdirSync(dirname(options.tracePath), { recursive: true });
    writeFileSync(options.tracePath, "");
  }
  const tracePath = options.tracePath;
  const trace = (entry: TraceEntry): void => {
    if (tracePath) appendFileSync(tracePath, `${JSON.stringify(entry)}\n`);
  };
  const hung = new Set<IncomingMessage>();
  const server = createServer(
    { cert, key: readFileSync(`${TLS_DIR}server.key`) },
    createRequestHandler({
      sim,
      routes: PVE_ROUTES,
      admin: (req, res, body) => admin.handleHttp(req, res, body),
      trace,
      hung,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const credential = (tokenId: string): PveCredential => {
    const token = world.tokens.find((t) => t.tokenId === tokenId);
    const secret = token?.secret ?? "";
    return { tokenId, secret, full: `${tokenId}=${secret}` };
  };
  const root = world.users.find((u) => u.userid === "root@pam");
  return {
    url: `https://127.0.0.1:${port}/api2/json`,
    caFile: `${TLS_DIR}ca.pem`,
    fingerprint,
    tokens: {
      admin: credential(world.tokens.find((t) => t.tokenId.startsWith("root@pam!"))?.tokenId ?? "root@pam!lab"),
      provider: credential("omni@pve!provider"),
      noAllocate: credential("limited@pve!noalloc"),
    },
    users: { root: { username: "root", realm: "pam", password: root?.password ?? "" } },
    admin,
    close: async () => {
      sim.tasks.close();
      sim.changed();
      for (const req of hung) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
