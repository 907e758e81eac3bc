import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type LabCredentials, labConfigYaml, writeLabCredentials } from "./credentials.ts";
import { type ImageFactory, startImageFactory } from "./factory/index.ts";
import type { LabFaults } from "./faults-spec.ts";
import { type OmniSimulator, startOmniSimulator } from "./omni/index.ts";
import { spawnProvider, stopProvider } from "./provider-process.ts";
import { defaultMatrixWorld, type PveSimulator, startPveSimulator } from "./pve/index.ts";
import {
  findLeftovers,
  LabScenario,
  type Leftovers,
  loadSeedScenario,
  type ProgressSummary,
} from "./scenario/index.ts";

export const LAB_PROVIDER_ID = "matrix-cluster";

export interface LabOptions {
  controlPlanes?: number;
  workers?: number;
  /** Scales simulated Proxmox task durations (1 = realistic). */
  timeFactor: number;
  /** Keep state and volumes here (default: a temporary directory removed on stop). */
  dataDir?: string;
  traceProxmox?: string;
  faults?: LabFaults;
}

export interface Lab {
  readonly credentials: LabCredentials;
  readonly credentialsFile: string;
  readonly pve: PveSimulator;
  readonly omni: OmniSimulator;
  readonly factory: ImageFactory;
  readonly scenario: LabScenario;
  readonly provider: ChildProcess;
  readonly providerLog: string;
  /** Proxmox API requests the simulator received so far. */
  proxmoxRequests(): number;
  leftovers(): Leftovers;
  summary(): ProgressSummary;
  stop(): Promise<void>;
}

/**
 * Starts the whole lab: image factory, Proxmox simulator (cluster "matrix"), Omni simulator, a real
 * infra-provider key, `omni-proxmox run` as a child process against them, and the seed's cluster
 * template applied through the Omni side.
 *
 * @example
 * const lab = await startLab({ timeFactor: 0.05 });
 * await lab.scenario.waitUntil((p) => p.settledUp(), { timeoutMs: 120_000 });
 * await lab.stop();
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const seed = loadSeedScenario({
    ...(options.controlPlanes !== undefined ? { controlPlanes: options.controlPlanes } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  const world = defaultMatrixWorld();
  const nodeNames = world.nodes.map((n) => n.name);
  for (const node of options.faults?.offlineNodes ?? []) {
    if (!nodeNames.includes(node)) {
      throw new Error(
        `--faults: offline=${node} names no node of cluster ${world.clusterName}; use one of ${nodeNames.join(", ")}`,
      );
    }
  }
  const temporary = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), "omni-proxmox-lab-")));
  mkdirSync(dataDir, { recursive: true });
  const tracePath = resolve(options.traceProxmox ?? join(dataDir, "proxmox-trace.jsonl"));

  const stack: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const step of stack.reverse()) await step();
    stack.length = 0;
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const factory = await startImageFactory();
    stack.push(() => factory.close());
    const pve = await startPveSimulator({
      world,
      timeFactor: options.timeFactor,
      dataDir: join(dataDir, "pve"),
      tracePath,
    });
    stack.push(() => pve.close());
    for (const rule of options.faults?.rules ?? []) pve.admin.injectFault(rule);
    for (const node of options.faults?.offlineNodes ?? []) pve.admin.setNodeOnline(node, false);

    const omni = await startOmniSimulator({ tls: true, dataDir: join(dataDir, "omni"), factoryUrl: factory.url });
    stack.push(() => omni.close());
    omni.registerProvider(LAB_PROVIDER_ID);
    const serviceAccountKey = await omni.mintProviderKey(LAB_PROVIDER_ID);

    const configFile = join(dataDir, "config.yaml");
    const credentials: LabCredentials = {
      providerId: LAB_PROVIDER_ID,
      dataDir,
      proxmox: {
        url: pve.url,
        tokenID: pve.tokens.provider.tokenId,
        tokenSecret: pve.tokens.provider.secret,
        caFile: pve.caFile,
        fingerprint: pve.fingerprint,
      },
      omni: { endpoint: omni.url, serviceAccountKey, ...(omni.caFile ? { caFile: omni.caFile } : {}) },
      configFile,
    };
    writeFileSync(configFile, labConfigYaml(credentials), { mode: 0o600 });
    const credentialsFile = writeLabCredentials(dataDir, credentials);

    const baseline = pve.admin.snapshot();
    const providerLog = join(dataDir, "provider.log");
    const provider = spawnProvider({
      configFile,
      omniEndpoint: omni.url,
      ...(omni.caFile ? { omniCaFile: omni.caFile } : {}),
      serviceAccountKey,
      providerId: LAB_PROVIDER_ID,
      logFile: providerLog,
    });
    stack.push(() => stopProvider(provider));

    const scenario = new LabScenario({
      pve: pve.admin,
      omni: omni.admin,
      template: seed.template,
      classes: seed.classes,
    });
    scenario.start();
    stack.push(() => scenario.stop());

    return {
      credentials,
      credentialsFile,
      pve,
      omni,
      factory,
      scenario,
      provider,
      providerLog,
      proxmoxRequests: () => countLines(tracePath),
      leftovers: () => findLeftovers(baseline, pve.admin.snapshot()),
      summary: () => scenario.progress.summary(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function countLines(path: string): number {
  try {
    const text = readFileSync(path, "utf8");
    let n = 0;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}
