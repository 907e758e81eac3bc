/**
 * The world the provider integration tests run in: the Proxmox simulator (HTTPS), the Omni simulator
 * (gRPC), the fake image factory, the real provider started through `startProvider`, the lab's Omni
 * machine-request-set controller and the boot watcher that "boots" started VMs from their cidata.
 * Nothing of ours is mocked: the provider meets the simulators over the wire.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderConfig } from "../../src/config/index.ts";
import { BootWatcher } from "../../src/lab/boot/boot-watcher.ts";
import { type ImageFactory, startImageFactory } from "../../src/lab/factory/index.ts";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { defaultMatrixWorld, type PveSimulator, type PveWorld, startPveSimulator } from "../../src/lab/pve/index.ts";
import { ScenarioController } from "../../src/lab/scenario/omni-controllers.ts";
import { decodeRequestStatus, type RequestStatusFields } from "../../src/lab/scenario/specs.ts";
import { createLogger, silentLogger } from "../../src/observability/logger.ts";
import { type RunningProvider, type StartProviderOptions, startProvider } from "../../src/provider/service.ts";
import { ProxmoxClient } from "../../src/proxmox/index.ts";
import { decodePropertyString, formatForConfigKey } from "../../src/proxmox/propstring.ts";
import {
  type ClusterTemplate,
  type MachineClass,
  parseClusterTemplate,
  parseMachineClasses,
} from "../../src/templates/index.ts";

export const PROVIDER_ID = "matrix-cluster";
const REPO = new URL("../../", import.meta.url);

export interface WorldOptions {
  world?: PveWorld;
  /** Simulated Proxmox task durations × this (default 0.01). */
  timeFactor?: number;
  concurrency?: number;
  overcommit?: ProviderConfig["overcommit"];
  vmidRange?: { min: number; max: number };
  /** Start the provider right away (default true). */
  startProvider?: boolean;
  provider?: StartProviderOptions;
}

export interface World {
  pve: PveSimulator;
  omni: OmniSimulator;
  factory: ImageFactory;
  /** The provider's plain join token, as Omni stores it. */
  joinToken: string;
  scenario: ScenarioController;
  boot: BootWatcher;
  config: ProviderConfig;
  provider: RunningProvider | undefined;
  startProvider(opts?: StartProviderOptions): Promise<RunningProvider>;
  close(): Promise<void>;
}

/** Fast timings: the simulator scales task durations, the runtime and steps retry quickly. */
export const FAST: StartProviderOptions = {
  // PROVIDER_TEST_LOG=debug shows the provider's log on stderr while debugging a test.
  logger: process.env.PROVIDER_TEST_LOG ? createLogger({ level: process.env.PROVIDER_TEST_LOG }) : silentLogger(),
  timing: {
    task: { timeoutMs: 30_000, pollMs: 5, maxPollMs: 40 },
    busyRetryMs: 20,
    failRetryMs: 20,
    maxRetryMs: 200,
    capacityRetryMs: 100,
  },
  runtime: {
    heartbeatIntervalMs: 1_000,
    resyncIntervalMs: 2_000,
    errorBackoff: { initialMs: 10, factor: 1.5, maxMs: 200, jitter: 0 },
    failBackoff: { initialMs: 20, factor: 1.5, maxMs: 200, jitter: 0 },
    watchBackoff: { initialMs: 10, factor: 1.5, maxMs: 200, jitter: 0 },
    leaseOptions: { enabled: false },
  },
  gc: { isoGraceMs: 0 },
  proxmox: { retry: { attempts: 3, initialMs: 5, maxMs: 20 } },
};

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), "omni-proxmox-provider-test-"));
  const pve = await startPveSimulator({
    world: options.world ?? defaultMatrixWorld(),
    timeFactor: options.timeFactor ?? 0.01,
    dataDir: join(dataDir, "pve"),
  });
  const factory = await startImageFactory();
  const omni = await startOmniSimulator({ tls: true, factoryUrl: factory.url });
  const joinToken = omni.registerProvider(PROVIDER_ID);
  const key = await omni.mintProviderKey(PROVIDER_ID);
  const config: ProviderConfig = {
    providerId: PROVIDER_ID,
    providerName: "Proxmox",
    providerDescription: "test",
    omni: {
      endpoint: omni.url,
      serviceAccountKey: key,
      insecureSkipVerify: false,
      ...(omni.caFile ? { caFile: omni.caFile } : {}),
    },
    proxmox: {
      url: pve.url,
      auth: { kind: "token", tokenId: pve.tokens.provider.tokenId, secret: pve.tokens.provider.secret },
      insecureSkipVerify: false,
      caFile: pve.caFile,
      ...(options.vmidRange ? { vmidRange: options.vmidRange } : {}),
      timeoutMs: 10_000,
    },
    concurrency: options.concurrency ?? 8,
    overcommit: options.overcommit ?? { memory: 1, cpu: 4, storage: 1 },
    gcIntervalMs: 0,
    isoGraceMs: 0,
    logLevel: "silent",
    logFormat: "json",
  };
  const scenario = new ScenarioController({ store: omni.admin, random: "provider-tests" });
  scenario.start();
  const boot = new BootWatcher({ pve: pve.admin, omni: omni.admin, intervalMs: 20 });
  boot.start();

  const world: World = {
    pve,
    omni,
    factory,
    joinToken,
    scenario,
    boot,
    config,
    provider: undefined,
    async startProvider(opts = options.provider ?? FAST) {
      world.provider = await startProvider(config, opts);
      return world.provider;
    },
    async close() {
      boot.stop();
      scenario.stop();
      await world.provider?.stop();
      await omni.close();
      await factory.close();
      await pve.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.startProvider ?? true) await world.startProvider();
  return world;
}

/** The seed's template and machine classes from examples/. */
export function seedScenario(): { template: ClusterTemplate; classes: MachineClass[] } {
  const templatePath = new URL("examples/clusters/talos-prod-01.yaml", REPO);
  const template = parseClusterTemplate(readFileSync(templatePath, "utf8"), "talos-prod-01.yaml").value;
  const classes: MachineClass[] = [];
  for (const name of ["matrix-control-plane", "matrix-worker"]) {
    const parsed = parseMachineClasses(
      readFileSync(new URL(`examples/machine-classes/${name}.yaml`, REPO), "utf8"),
      `${name}.yaml`,
    );
    classes.push(...(parsed.value ?? []));
  }
  if (!template || classes.length !== 2) throw new Error("examples/ could not be parsed");
  return { template, classes };
}

/**
 * Waits for a condition, re-checking on every Omni store change and every 20 ms (the Proxmox model
 * has no change feed). Fails with `what` and the last observed value after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  world: World,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; statuses: ${JSON.stringify(statuses(world))}`);
    await new Promise<void>((resolve) => {
      const unsubscribe = world.omni.admin.subscribe(() => {
        unsubscribe();
        resolve();
      });
      setTimeout(() => {
        unsubscribe();
        resolve();
      }, 20);
    });
  }
}

/** Every MachineRequestStatus of our provider, by request ID. */
export function statuses(world: World): Record<string, RequestStatusFields> {
  const out: Record<string, RequestStatusFields> = {};
  for (const r of world.omni.admin.list("infra-provider", "MachineRequestStatuses.omni.sidero.dev")) {
    out[r.metadata.id] = decodeRequestStatus(r.spec.protoSpec);
  }
  return out;
}

/** Our VMs in the simulator (tagged with our provider tag). */
export function ourVms(world: World) {
  return world.pve.admin
    .snapshot()
    .vms.filter((vm) => String(vm.config.tags ?? "").includes(`omni-provider.${PROVIDER_ID}`));
}

/** Request IDs in the Omni store for our provider (not yet destroyed). */
export function requestIds(world: World): string[] {
  return world.omni.admin.list("infra-provider", "MachineRequests.omni.sidero.dev").map((r) => r.metadata.id);
}

/** True once every request is PROVISIONED and has registered its machine. */
export function allProvisioned(world: World, count: number): boolean {
  const ids = requestIds(world);
  if (ids.length !== count) return false;
  const s = statuses(world);
  const registered = new Set(
    world.omni.admin.list("infra-provider", "InfraMachineRegistrations.omni.sidero.dev").map((r) => r.metadata.id),
  );
  return ids.every((id) => s[id]?.stage === "PROVISIONED" && s[id]?.id !== undefined && registered.has(s[id].id));
}

/** Decodes one property-string config value (`scsi0`, `net0`, `smbios1`, …) as Proxmox stores it. */
export function prop(config: Record<string, string | number>, key: string): Record<string, string | undefined> {
  const format = formatForConfigKey(key);
  if (!format) throw new Error(`${key} is not a property-string key`);
  return decodePropertyString(format, String(config[key] ?? "")) as Record<string, string | undefined>;
}

/** A Proxmox client with the simulator's root token, for test setup and checks the admin snapshot lacks (HA). */
export function adminPve(world: World): ProxmoxClient {
  return new ProxmoxClient({ url: world.pve.url, token: world.pve.tokens.admin.full, caFile: world.pve.caFile });
}

/** Creates one MachineRequest for our provider, as Omni does for a machine request set. */
export function requestMachine(world: World, id: string, providerData: string, requestSetId = "lab-workers"): string {
  world.omni.admin.createMachineRequest({
    providerId: PROVIDER_ID,
    id,
    requestSetId,
    providerData,
    talosVersion: "1.11.6",
  });
  return id;
}

/** Tears a request down as Omni does on scale-down, and waits until Omni destroyed it. */
export async function tearDown(world: World, id: string, timeoutMs = 60_000): Promise<void> {
  world.omni.admin.tearDownMachineRequest(id);
  await waitFor(`request ${id} destroyed`, () => !requestIds(world).includes(id), world, timeoutMs);
}

/** The VM of a request in the simulator (by name = request ID). */
export function vmOf(world: World, requestId: string) {
  return world.pve.admin.snapshot().vms.find((vm) => vm.config.name === requestId);
}

export function isProvisioned(world: World, id: string): boolean {
  return statuses(world)[id]?.stage === "PROVISIONED";
}
