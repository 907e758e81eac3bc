import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterState, VmState, Volume } from "./state.ts";
import type { PveTask, TaskManager } from "./tasks.ts";
import type { PveWorld } from "./world.ts";

/** File under the data directory holding the model between runs of the lab. */
export const STATE_FILE = "pve-state.json";

interface PersistedState {
  version: 1;
  vms: VmState[];
  volumes: Volume[];
  tasks: PveTask[];
  pools: PveWorld["pools"];
  ha: PveWorld["ha"];
  nodesOnline: Record<string, boolean>;
}

/**
 * Restores VMs, volumes, tasks, pools, HA config and node states saved by {@link saveState}. Users,
 * tokens, ACLs, storages and nodes always come from the world passed in. Tasks that were running when
 * the simulator stopped end as PVE reports a killed worker: `unexpected status`.
 */
export function loadState(dataDir: string, state: ClusterState, tasks: TaskManager): boolean {
  const path = join(dataDir, STATE_FILE);
  if (!existsSync(path)) return false;
  const saved = JSON.parse(readFileSync(path, "utf8")) as PersistedState;
  if (saved.version !== 1) return false;
  state.vms.clear();
  for (const vm of saved.vms) state.vms.set(vm.vmid, vm);
  state.volumes.clear();
  for (const v of saved.volumes) {
    if (state.storage(v.storage)) state.addVolume(v);
  }
  for (const t of saved.tasks) {
    if (t.status === "running") {
      t.status = "stopped";
      t.exitstatus = "unexpected status";
      t.endtime = t.starttime;
    }
    tasks.tasks.set(t.upid, t);
  }
  state.world.pools.splice(0, state.world.pools.length, ...saved.pools);
  state.world.ha.resources.splice(0, state.world.ha.resources.length, ...saved.ha.resources);
  state.world.ha.rules.splice(0, state.world.ha.rules.length, ...saved.ha.rules);
  for (const n of state.world.nodes) {
    const online = saved.nodesOnline[n.name];
    if (online !== undefined) n.online = online;
  }
  tasks.reservePids(saved.tasks.map((t) => t.pid));
  return true;
}

/** Writes the model atomically (temp file + rename) so a crash never leaves half a file. */
export function saveState(dataDir: string, state: ClusterState, tasks: TaskManager): void {
  const data: PersistedState = {
    version: 1,
    vms: [...state.vms.values()],
    volumes: [...state.volumes.values()],
    tasks: [...tasks.tasks.values()],
    pools: state.world.pools,
    ha: state.world.ha,
    nodesOnline: Object.fromEntries(state.world.nodes.map((n) => [n.name, n.online])),
  };
  const path = join(dataDir, STATE_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(data));
  renameSync(`${path}.tmp`, path);
}
