import { type RequestContext, type RouteTable, startTask, str } from "../context.ts";
import { dieError, noSuchVm, paramError, TaskFailure } from "../errors.ts";
import { configDigest, type VmState } from "../state.ts";
import { vmCpus, vmDiskBytes, vmMemoryBytes } from "./cluster.ts";
import {
  CREATE_OPTIONS,
  checkBootOrder,
  checkConfigPermissions,
  createDefaults,
  DRIVE_KEY,
  driveVolume,
  materialise,
  UPDATE_OPTIONS,
} from "./qemu-config.ts";

const VM_CONFIG_PRIVS = [
  "VM.Config.Disk",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.HWType",
  "VM.Config.Options",
  "VM.Config.Cloudinit",
];

function vmid(ctx: RequestContext): number {
  return Number(str(ctx.params, "vmid"));
}

/** The VM whose config lives on `{node}`; anything else is PVE's "does not exist" 500. */
function vmOnNode(ctx: RequestContext): VmState {
  const id = vmid(ctx);
  const node = str(ctx.params, "node") as string;
  const vm = ctx.sim.state.vms.get(id);
  if (!vm || vm.node !== node) throw noSuchVm(node, id);
  return vm;
}

function checkSkiplock(ctx: RequestContext): boolean {
  if (str(ctx.params, "skiplock") !== "1") return false;
  if (ctx.principal.authId !== "root@pam") throw paramError({ skiplock: "Only root may use this option." });
  return true;
}

function assertUnlocked(vm: VmState, skiplock: boolean, asTask: boolean): void {
  if (vm.config.lock !== undefined && !skiplock) {
    const msg = `VM is locked (${vm.config.lock})`;
    throw asTask ? new TaskFailure(msg) : dieError(msg);
  }
}

function configEntries(ctx: RequestContext, skip: Set<string>): [string, string][] {
  return Object.entries(ctx.params)
    .filter(([k, v]) => !skip.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : String(v)]);
}

function agentEnabled(vm: VmState): boolean {
  const agent = String(vm.config.agent ?? "0");
  const first = agent.split(",")[0] ?? "0";
  const value = first.includes("=") ? (first.split("=")[1] ?? "0") : first;
  return ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

function vmListEntry(ctx: RequestContext, vm: VmState): Record<string, unknown> {
  const running = vm.status === "running";
  const e: Record<string, unknown> = {
    vmid: vm.vmid,
    status: vm.status,
    cpus: vmCpus(vm),
    maxmem: vmMemoryBytes(vm),
    mem: running ? Math.round(vmMemoryBytes(vm) * 0.4) : 0,
    maxdisk: vmDiskBytes(ctx, vm),
    disk: 0,
    cpu: running ? 0.01 : 0,
    uptime: running && vm.startedAtSec !== undefined ? ctx.sim.nowSec() - vm.startedAtSec : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (vm.config.name !== undefined) e.name = vm.config.name;
  if (vm.config.tags !== undefined) e.tags = vm.config.tags;
  if (vm.config.lock !== undefined) e.lock = vm.config.lock;
  if (vm.config.template === 1) e.template = 1;
  if (running) e.pid = 100000 + vm.vmid;
  return e;
}

/** Frees owned volumes a destroy removes (referenced ones, or all owned with destroy-unreferenced-disks). */
function destroyVolumes(ctx: RequestContext, vm: VmState, unreferenced: boolean): string[] {
  const referenced = new Set(
    Object.entries(vm.config)
      .filter(([k]) => DRIVE_KEY.test(k) || /^unused\d+$/.test(k))
      .map(([, v]) => String(v).split(",")[0]),
  );
  const removed: string[] = [];
  for (const v of [...ctx.sim.state.volumes.values()]) {
    if (v.vmid !== vm.vmid) continue;
    if (referenced.has(v.volid) || unreferenced) {
      ctx.sim.state.freeVolume(v);
      removed.push(v.volid);
    }
  }
  return removed;
}

function applyUpdate(ctx: RequestContext, vm: VmState, entries: [string, string][], deletes: string[]): void {
  const allocated: { free(): void }[] = [];
  const next = { ...vm.config };
  let unusedIndex = 0;
  const nextUnused = (): string => {
    while (next[`unused${unusedIndex}`] !== undefined) unusedIndex++;
    return `unused${unusedIndex}`;
  };
  for (const raw of deletes) {
    const key = raw === "cdrom" ? "ide2" : raw;
    const old = next[key];
    if (old === undefined) continue;
    if (/^unused\d+$/.test(key)) {
      const ref = driveVolume(String(old));
      const storage = ref ? ctx.sim.state.storage(ref.storage) : undefined;
      const vol = ref && storage ? ctx.sim.state.findVolume(storage, vm.node, ref.volname) : undefined;
      if (vol) ctx.sim.state.freeVolume(vol);
    } else if (DRIVE_KEY.test(key) && !String(old).includes("media=cdrom") && driveVolume(String(old))) {
      next[nextUnused()] = String(old).split(",")[0] as string;
    }
    delete next[key];
  }
  try {
    const values = materialise(ctx, vm, entries, allocated);
    for (const [key, value] of Object.entries(values)) {
      const old = next[key];
      if (DRIVE_KEY.test(key) && old !== undefined && !String(old).includes("media=cdrom")) {
        const oldFile = String(old).split(",")[0] as string;
        if (driveVolume(oldFile) && oldFile !== String(value).split(",")[0]) next[nextUnused()] = oldFile;
      }
      const isNewCdrom = DRIVE_KEY.test(key) && String(value).includes("media=cdrom") && old === undefined;
      next[key] = value;
      const boot = typeof next.boot === "string" ? /order=([^,]*)/.exec(next.boot) : null;
      if (isNewCdrom && boot && !(boot[1] ?? "").split(";").includes(key)) {
        next.boot = String(next.boot).replace(/order=([^,]*)/, (_m, o: string) => `order=${o ? `${o};` : ""}${key}`);
      }
    }
    const mem = Number(/^(?:current=)?(\d+)/.exec(String(next.memory ?? "512"))?.[1] ?? 512);
    if (next.balloon !== undefined && Number(next.balloon) > mem) {
      throw new TaskFailure("balloon value too large (must be smaller than assigned memory)");
    }
    checkBootOrder(next);
  } catch (err) {
    for (const a of allocated) a.free();
    throw err;
  }
  vm.config = next;
}

export const qemuRoutes: RouteTable = {
  "GET /nodes/{node}/qemu": (ctx) => {
    const node = str(ctx.params, "node") as string;
    const vms = [...ctx.sim.state.vms.values()]
      .filter((vm) => vm.node === node && ctx.sim.access.has(ctx.principal, `/vms/${vm.vmid}`, "VM.Audit"))
      .sort((a, b) => a.vmid - b.vmid);
    return { data: vms.map((vm) => vmListEntry(ctx, vm)) };
  },

  "POST /nodes/{node}/qemu": (ctx) => {
    const id = vmid(ctx);
    const node = str(ctx.params, "node") as string;
    const pool = str(ctx.params, "pool");
    if (pool) ctx.sim.access.require(ctx.principal, `/pool/${pool}`, "VM.Allocate");
    else ctx.sim.access.require(ctx.principal, `/vms/${id}`, "VM.Allocate");
    const entries = configEntries(ctx, CREATE_OPTIONS);
    checkConfigPermissions(ctx, id, entries, false);
    if (str(ctx.params, "start") === "1") ctx.sim.access.require(ctx.principal, `/vms/${id}`, "VM.PowerMgmt");
    if (pool && !ctx.sim.state.world.pools.some((p) => p.poolid === pool))
      throw dieError(`pool '${pool}' does not exist`);
    const existing = ctx.sim.state.vms.get(id);
    if (existing) throw dieError(`unable to create VM ${id} - VM ${id} already exists on node '${existing.node}'`);
    // The config file with only `lock: create` is written before the worker forks.
    const vm: VmState = { vmid: id, node, status: "stopped", config: { lock: "create" }, pool };
    ctx.sim.state.vms.set(id, vm);
    const allocated: { free(): void }[] = [];
    const cleanup = (): void => {
      for (const a of allocated) a.free();
      if (ctx.sim.state.vms.get(id) === vm) ctx.sim.state.vms.delete(id);
    };
    const task = startTask(ctx, {
      node,
      type: "qmcreate",
      id: String(id),
      onFailure: cleanup,
      body: (t) => {
        try {
          const config = materialise(ctx, vm, entries, allocated);
          for (const a of Object.keys(config)) {
            if (DRIVE_KEY.test(a) && !String(config[a]).includes("media=cdrom"))
              t.log(`${a}: successfully created disk '${String(config[a]).split(",")[0]}'`);
          }
          createDefaults(config, ctx.sim.nowSec());
          checkBootOrder(config);
          vm.config = config;
        } catch (err) {
          throw new TaskFailure(`unable to create VM ${id} - ${(err as Error).message}`);
        }
        if (str(ctx.params, "start") === "1") {
          vm.status = "running";
          vm.startedAtSec = ctx.sim.nowSec();
        }
      },
    });
    return { data: task.upid };
  },

  "GET /nodes/{node}/qemu/{vmid}/config": (ctx) => {
    const vm = vmOnNode(ctx);
    ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.Audit");
    return { data: { ...vm.config, digest: configDigest(vm.config) } };
  },

  "POST /nodes/{node}/qemu/{vmid}/config": (ctx) => updateConfig(ctx, true),
  "PUT /nodes/{node}/qemu/{vmid}/config": (ctx) => updateConfig(ctx, false),

  "GET /nodes/{node}/qemu/{vmid}/status/current": (ctx) => {
    const vm = vmOnNode(ctx);
    ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.Audit");
    const e = vmListEntry(ctx, vm);
    e.qmpstatus = vm.status;
    e.ha = ctx.sim.state.world.ha.resources.some((r) => r.sid === `vm:${vm.vmid}`)
      ? { managed: 1, state: "started" }
      : { managed: 0 };
    if (agentEnabled(vm)) e.agent = 1;
    return { data: e };
  },

  "POST /nodes/{node}/qemu/{vmid}/status/start": (ctx) =>
    power(ctx, "qmstart", (vm) => {
      if (vm.status === "running") throw new TaskFailure(`VM ${vm.vmid} already running`);
      if (vm.config.template === 1) throw new TaskFailure("you can't start a vm if it's a template");
      checkStartable(ctx, vm);
      vm.status = "running";
      vm.startedAtSec = ctx.sim.nowSec();
    }),
  "POST /nodes/{node}/qemu/{vmid}/status/stop": (ctx) => power(ctx, "qmstop", stopVm, true),
  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": (ctx) => {
    const forceStop = str(ctx.params, "forceStop") === "1";
    return power(
      ctx,
      "qmshutdown",
      (vm) => {
        // A guest that ignores ACPI (admin.setGuestIgnoresShutdown) times out unless forceStop is set.
        if (ctx.sim.state.guestsIgnoringShutdown.has(vm.vmid) && !forceStop) {
          throw new TaskFailure("VM quit/powerdown failed - got timeout");
        }
        stopVm(vm);
      },
      true,
    );
  },
  "POST /nodes/{node}/qemu/{vmid}/status/reboot": (ctx) =>
    power(ctx, "qmreboot", (vm) => {
      if (vm.status !== "running") throw new TaskFailure(`VM ${vm.vmid} not running`);
      vm.startedAtSec = ctx.sim.nowSec();
    }),
  "POST /nodes/{node}/qemu/{vmid}/status/reset": (ctx) => {
    const vm = vmOnNode(ctx);
    ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.PowerMgmt");
    if (vm.status !== "running") throw dieError(`VM ${vm.vmid} not running`);
    return power(ctx, "qmreset", (v) => {
      v.startedAtSec = ctx.sim.nowSec();
    });
  },

  "DELETE /nodes/{node}/qemu/{vmid}": (ctx) => {
    const vm = vmOnNode(ctx);
    ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.Allocate");
    const skiplock = checkSkiplock(ctx);
    if (vm.config.protection === 1) throw dieError(`can't remove VM ${vm.vmid} - protection mode enabled`);
    if (vm.status === "running") throw dieError(`VM ${vm.vmid} is running - destroy failed`);
    const purge = str(ctx.params, "purge") === "1";
    const ha = ctx.sim.state.world.ha.resources;
    if (!purge && ha.some((r) => r.sid === `vm:${vm.vmid}`)) {
      throw dieError(`unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
    }
    const unreferenced = str(ctx.params, "destroy-unreferenced-disks") === "1";
    const task = startTask(ctx, {
      node: vm.node,
      type: "qmdestroy",
      id: String(vm.vmid),
      body: (t) => {
        if (ctx.sim.state.vms.get(vm.vmid) !== vm)
          throw new TaskFailure(`Configuration file 'nodes/${vm.node}/qemu-server/${vm.vmid}.conf' does not exist`);
        assertUnlocked(vm, skiplock, true);
        if (vm.status === "running") throw new TaskFailure(`VM ${vm.vmid} is running - destroy failed`);
        for (const volid of destroyVolumes(ctx, vm, unreferenced)) t.log(`Removed volume '${volid}'`);
        if (purge) {
          const i = ha.findIndex((r) => r.sid === `vm:${vm.vmid}`);
          if (i >= 0) ha.splice(i, 1);
        }
        ctx.sim.state.vms.delete(vm.vmid);
        t.log(`purging VM ${vm.vmid} from related configurations..`);
      },
    });
    return { data: task.upid };
  },

  "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": (ctx) => {
    const vm = vmOnNode(ctx);
    const privs = ctx.sim.access.privileges(ctx.principal, `/vms/${vm.vmid}`);
    if (!privs.has("VM.GuestAgent.Audit") && !privs.has("VM.GuestAgent.Unrestricted")) {
      ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.GuestAgent.Audit");
    }
    if (!agentEnabled(vm)) throw dieError("No QEMU guest agent configured");
    if (vm.status !== "running") throw dieError(`VM ${vm.vmid} is not running`);
    const mac = /=([0-9A-F:]{17})/i.exec(String(vm.config.net0 ?? ""))?.[1]?.toLowerCase() ?? "bc:24:11:00:00:00";
    return {
      data: {
        result: [
          {
            name: "lo",
            "hardware-address": "00:00:00:00:00:00",
            "ip-addresses": [{ "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 }],
          },
          {
            name: "eth0",
            "hardware-address": mac,
            "ip-addresses": [
              {
                "ip-address": `10.20.${Math.floor(vm.vmid / 250) % 250}.${(vm.vmid % 250) + 2}`,
                "ip-address-type": "ipv4",
                prefix: 24,
              },
            ],
          },
        ],
      },
    };
  },
};

/**
 * What QEMU start would trip over: missing volumes, bridges absent on the node, PCI mappings without an
 * entry for the node, and not enough free host memory.
 */
function checkStartable(ctx: RequestContext, vm: VmState): void {
  const { state } = ctx.sim;
  for (const [k, v] of Object.entries(vm.config)) {
    if (DRIVE_KEY.test(k)) {
      const ref = driveVolume(String(v));
      const storage = ref ? state.storage(ref.storage) : undefined;
      if (ref && (!storage || !state.findVolume(storage, vm.node, ref.volname))) {
        throw new TaskFailure(`volume '${ref.storage}:${ref.volname}' does not exist`);
      }
    } else if (/^net\d+$/.test(k)) {
      const bridge = /(?:^|,)bridge=([^,]+)/.exec(String(v))?.[1];
      if (bridge && !state.world.bridges.some((b) => b.node === vm.node && b.iface === bridge)) {
        throw new TaskFailure(`bridge '${bridge}' does not exist`);
      }
    } else if (/^hostpci\d+$/.test(k)) {
      const mapping = /(?:^|,)mapping=([^,]+)/.exec(String(v))?.[1];
      const entry = mapping ? state.world.mappings.pci.find((m) => m.id === mapping) : undefined;
      if (mapping && !entry?.map.some((e) => new RegExp(`(?:^|,)node=${vm.node}(?:,|$)`).test(e))) {
        throw new TaskFailure(`PCI device mapping '${mapping}' has no entry for node '${vm.node}'`);
      }
    }
  }
  const node = state.requireNode(vm.node);
  let used = 2 * 1024 ** 3;
  for (const other of state.vms.values()) {
    if (other.node === vm.node && other.status === "running") used += vmMemoryBytes(other);
  }
  const need = vmMemoryBytes(vm);
  if (used + need > node.memoryBytes) {
    const mib = (b: number) => Math.floor(b / 1024 ** 2);
    throw new TaskFailure(
      `start failed: QEMU exited with code 1 - cannot allocate ${mib(need)} MiB (only ${mib(node.memoryBytes - used)} MiB free on node '${vm.node}')`,
    );
  }
}

function stopVm(vm: VmState): void {
  vm.status = "stopped";
  vm.startedAtSec = undefined;
}

/** Power actions: a worker that re-checks the lock (only when it matters) and then acts. */
function power(
  ctx: RequestContext,
  type: string,
  act: (vm: VmState) => void,
  lockOnlyWhenRunning = false,
): { data: string } {
  const vm = vmOnNode(ctx);
  ctx.sim.access.require(ctx.principal, `/vms/${vm.vmid}`, "VM.PowerMgmt");
  const skiplock = checkSkiplock(ctx);
  const task = startTask(ctx, {
    node: vm.node,
    type,
    id: String(vm.vmid),
    body: () => {
      if (ctx.sim.state.vms.get(vm.vmid) !== vm) {
        throw new TaskFailure(`Configuration file 'nodes/${vm.node}/qemu-server/${vm.vmid}.conf' does not exist`);
      }
      if (lockOnlyWhenRunning && vm.status !== "running") return;
      assertUnlocked(vm, skiplock, true);
      act(vm);
    },
  });
  return { data: task.upid };
}

function updateConfig(ctx: RequestContext, async: boolean): { data: string | null } {
  const vm = vmOnNode(ctx);
  ctx.sim.access.requireAny(ctx.principal, `/vms/${vm.vmid}`, VM_CONFIG_PRIVS);
  const skiplock = checkSkiplock(ctx);
  const entries = configEntries(ctx, UPDATE_OPTIONS);
  const deletes = (str(ctx.params, "delete") ?? "").split(/[,;\s]+/).filter(Boolean);
  if (entries.length === 0 && deletes.length === 0) throw dieError("no options specified");
  checkConfigPermissions(
    ctx,
    vm.vmid,
    [
      ...entries,
      ...deletes
        .map((d): [string, string] => [d, "none"])
        .filter(([k]) => !DRIVE_KEY.test(k) && k !== "cdrom" && !/^(net|hostpci|unused)\d+$/.test(k)),
    ],
    async,
  );
  assertUnlocked(vm, skiplock, false);
  const digest = str(ctx.params, "digest");
  if (digest && digest !== configDigest(vm.config)) throw dieError("checksum mismatch (file change by other user?)");
  if (!async) {
    try {
      applyUpdate(ctx, vm, entries, deletes);
    } catch (err) {
      throw err instanceof TaskFailure ? dieError(err.message) : err;
    }
    return { data: null };
  }
  const task = startTask(ctx, {
    node: vm.node,
    type: "qmconfig",
    id: String(vm.vmid),
    body: (t) => {
      assertUnlocked(vm, skiplock, true);
      t.log(
        `update VM ${vm.vmid}: ${entries.map(([k, v]) => `-${k} ${v}`).join(" ")}${deletes.length ? ` -delete ${deletes.join(",")}` : ""}`,
      );
      checkConfigPermissions(
        ctx,
        vm.vmid,
        entries.filter(([k]) => DRIVE_KEY.test(k) || k === "cdrom"),
        false,
      );
      applyUpdate(ctx, vm, entries, deletes);
    },
  });
  return { data: task.upid };
}
