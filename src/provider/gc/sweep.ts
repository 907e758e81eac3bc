/**
 * Garbage collection: removes what carries this provider's marks but belongs to no live request —
 * VMs (tags + exact description marks), NoCloud images (`omni-<provider>-cidata-*.iso`) and Talos ISOs
 * (`omni-<provider>-talos-*.iso`) that no VM of ours and no in-flight request references. Anything
 * without our marks is never touched. When Omni cannot be read, nothing is removed: an empty answer
 * must not look like "no live requests".
 */
import type { Logger } from "../../observability/logger.ts";
import { allOf, eq } from "../../omni/labels.ts";
import { LABEL_INFRA_PROVIDER_ID, MachineRequests } from "../../omni/resources.ts";
import type { StateClient } from "../../omni/state.ts";
import { deleteVolume, isoLocations, listIsoFiles, removeVm } from "../deprovision/index.ts";
import { cidataFileName, cidataPrefix, isTalosIsoOf } from "../images/index.ts";
import type { MachineStateSource } from "../state/index.ts";
import { hasProviderTags, type ProvisionerDeps, readCluster, readConfig, vmMarksOf } from "../steps/index.ts";

/** What Omni says is alive. */
export interface LiveRequests {
  /** MachineRequests labelled with our provider ID. */
  readonly requestIds: ReadonlySet<string>;
  /** Requests with a state resource (being provisioned or torn down: the runtime owns those). */
  readonly stateIds: ReadonlySet<string>;
  /** Talos ISO volumes recorded in states (downloaded, VM maybe not created yet). */
  readonly isoVolumes: ReadonlySet<string>;
}

export interface SweepOptions {
  /** Talos ISOs younger than this (by ctime) are kept: a request may be about to use one. Default 15 min. */
  readonly isoGraceMs?: number;
  readonly now?: () => number;
}

export interface SweepReport {
  /** `skipped` when Omni could not be read. */
  readonly outcome: "swept" | "skipped";
  readonly removedVms: number[];
  readonly removedVolumes: string[];
  readonly error?: string;
}

/** Reads the live requests from Omni (throws when Omni cannot be read). */
export async function readLiveRequests(
  state: StateClient,
  providerId: string,
  states: MachineStateSource,
): Promise<LiveRequests> {
  const [requests, stored] = await Promise.all([
    state.list(MachineRequests, { labels: [allOf(eq(LABEL_INFRA_PROVIDER_ID, providerId))] }),
    states.list(),
  ]);
  return {
    requestIds: new Set(requests.map((r) => r.metadata.id)),
    stateIds: new Set(stored.map((s) => s.requestId)),
    isoVolumes: new Set(stored.map((s) => s.state.volumeId).filter((v) => v !== "")),
  };
}

/**
 * One sweep. Proxmox is listed first, then `live` is called; if it throws, nothing is removed.
 *
 * @example
 * const report = await sweep(deps, () => readLiveRequests(omniState, deps.providerId, states), logger);
 */
export async function sweep(
  deps: ProvisionerDeps,
  live: () => Promise<LiveRequests>,
  logger: Logger,
  options: SweepOptions = {},
): Promise<SweepReport> {
  // Proxmox is read BEFORE Omni: a request created while the sweep runs then either shows up as live or
  // owns nothing in these listings. Read the other way round, its brand-new VM and cidata image would
  // look orphaned.
  const view = await readCluster(deps.pve);
  const cidata = cidataPrefix(deps.providerId);
  const files = await listIsoFiles(
    deps.pve,
    isoLocations(view),
    (name) => name.startsWith(cidata) || isTalosIsoOf(deps.providerId, name),
  );
  let alive: LiveRequests;
  try {
    alive = await live();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    logger.warn({ err: error }, "garbage collection skipped: Omni could not be read");
    return { outcome: "skipped", removedVms: [], removedVolumes: [], error };
  }
  const isAlive = (requestId: string) => alive.requestIds.has(requestId) || alive.stateIds.has(requestId);
  const removedVms: number[] = [];
  const removedVolumes: string[] = [];
  const referencedIsos = new Set(alive.isoVolumes);

  for (const vm of view.vms) {
    if (!hasProviderTags(vm, deps.providerId)) continue;
    const config = await readConfig(deps.pve, vm.node, vm.vmid);
    if (!config) continue;
    const marks = vmMarksOf(config);
    if (marks.providerId !== deps.providerId || marks.requestId === undefined) continue;
    if (isAlive(marks.requestId) || config.lock === "create") {
      for (const value of Object.values(config)) {
        const volume = String(value).split(",")[0];
        if (volume) referencedIsos.add(volume);
      }
      continue;
    }
    logger.info(
      { vmid: vm.vmid, node: vm.node, request: marks.requestId },
      "garbage collection: removing an orphaned VM",
    );
    if (
      await attempt(logger, `VM ${vm.vmid}`, () =>
        removeVm(deps.pve, vm, { providerId: deps.providerId, shutdownTimeoutSec: 0, task: deps.timing.task }),
      )
    ) {
      removedVms.push(vm.vmid);
    }
  }

  const liveCidata = new Set([...alive.requestIds, ...alive.stateIds].map((id) => cidataFileName(deps.providerId, id)));
  const now = options.now ?? Date.now;
  const graceMs = options.isoGraceMs ?? 15 * 60_000;
  for (const file of files) {
    if (file.fileName.startsWith(cidata)) {
      if (liveCidata.has(file.fileName)) continue;
    } else {
      if (referencedIsos.has(file.volid)) continue;
      if (file.ctime !== undefined && now() - file.ctime * 1000 < graceMs) continue;
      if (deps.isos.recentlyUsed(file.node, file.storage, file.shared, file.fileName, graceMs)) continue;
    }
    logger.info({ volume: file.volid, node: file.node }, "garbage collection: removing an unreferenced image");
    if (await attempt(logger, file.volid, () => deleteVolume(deps.pve, file, deps.timing.task))) {
      removedVolumes.push(file.volid);
    }
  }
  return { outcome: "swept", removedVms, removedVolumes };
}

/** One removal; a failure (a lock, a node going away) is logged and retried next sweep, the sweep goes on. */
async function attempt(logger: Logger, what: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err), object: what },
      "garbage collection could not remove an object; retrying next sweep",
    );
    return false;
  }
}
