import { createHash } from "node:crypto";
import { type RequestContext, type RouteTable, str } from "../context.ts";
import { dieError, PveHttpError, paramError, permissionError } from "../errors.ts";
import type { VmState } from "../state.ts";
import type { PveStorageSpec } from "../world.ts";

const PVE_VERSION = { version: "9.1.3", release: "9.1", repoid: "4a1b2c3d" };

/** Node stats as pvestatd would report them (deterministic: derived from running VMs). */
export function nodeUsage(ctx: RequestContext, node: string): { mem: number; cpu: number } {
  let mem = 2 * 1024 ** 3;
  let cpus = 0;
  for (const vm of ctx.sim.state.vms.values()) {
    if (vm.node !== node || vm.status !== "running") continue;
    mem += vmMemoryBytes(vm);
    cpus += vmCpus(vm);
  }
  const spec = ctx.sim.state.requireNode(node);
  return { mem: Math.min(mem, spec.memoryBytes), cpu: Math.min(1, 0.02 + (cpus / spec.cpus) * 0.1) };
}

export function vmMemoryBytes(vm: VmState): number {
  const m = /^(?:current=)?(\d+)/.exec(String(vm.config.memory ?? "512"));
  return Number(m?.[1] ?? 512) * 1024 ** 2;
}

export function vmCpus(vm: VmState): number {
  return Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1);
}

export function vmDiskBytes(ctx: RequestContext, vm: VmState): number {
  let total = 0;
  for (const v of ctx.sim.state.volumes.values()) if (v.vmid === vm.vmid && v.content === "images") total += v.size;
  return total;
}

export function storageStatus(ctx: RequestContext, storage: PveStorageSpec, node: string) {
  const active = ctx.sim.state.storageOnNode(storage, node);
  const total = active ? storage.capacityBytes : 0;
  const used = active ? ctx.sim.state.usedBytes(storage, node) : 0;
  return { total, used, avail: Math.max(total - used, 0), active: active ? 1 : 0 };
}

/** Sys.Audit-visible node entry of /nodes and /cluster/resources. */
function nodeEntry(ctx: RequestContext, name: string): Record<string, unknown> {
  const spec = ctx.sim.state.requireNode(name);
  const entry: Record<string, unknown> = {
    id: `node/${name}`,
    node: name,
    type: "node",
    status: spec.online ? "online" : "offline",
    level: "",
    ssl_fingerprint: ctx.sim.certFingerprint,
  };
  if (spec.online && ctx.sim.access.has(ctx.principal, `/nodes/${name}`, "Sys.Audit")) {
    const usage = nodeUsage(ctx, name);
    Object.assign(entry, {
      cpu: usage.cpu,
      maxcpu: spec.cpus,
      mem: usage.mem,
      maxmem: spec.memoryBytes,
      disk: Math.round(spec.rootfsBytes * 0.12),
      maxdisk: spec.rootfsBytes,
      uptime: 86400 * 12,
    });
  }
  return entry;
}

function vmResource(ctx: RequestContext, vm: VmState): Record<string, unknown> {
  const running = vm.status === "running";
  const entry: Record<string, unknown> = {
    id: `qemu/${vm.vmid}`,
    type: "qemu",
    vmid: vm.vmid,
    node: vm.node,
    status: vm.status,
    name: vm.config.name,
    template: vm.config.template === 1 ? 1 : 0,
    maxmem: vmMemoryBytes(vm),
    mem: running ? Math.round(vmMemoryBytes(vm) * 0.4) : 0,
    maxcpu: vmCpus(vm),
    cpu: running ? 0.01 : 0,
    maxdisk: vmDiskBytes(ctx, vm),
    disk: 0,
    uptime: running && vm.startedAtSec !== undefined ? ctx.sim.nowSec() - vm.startedAtSec : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (vm.config.tags !== undefined) entry.tags = vm.config.tags;
  if (vm.config.lock !== undefined) entry.lock = vm.config.lock;
  if (vm.pool) entry.pool = vm.pool;
  const ha = ctx.sim.state.world.ha.resources.find((r) => r.sid === `vm:${vm.vmid}`);
  if (ha) entry.hastate = ha.state ?? "started";
  if (entry.name === undefined) delete entry.name;
  return entry;
}

function storageResources(ctx: RequestContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const node of ctx.sim.state.world.nodes) {
    for (const s of ctx.sim.state.world.storages) {
      if (!ctx.sim.state.storageOnNode(s, node.name)) continue;
      if (!canSeeStorage(ctx, s.id)) continue;
      const st = storageStatus(ctx, s, node.name);
      out.push({
        id: `storage/${node.name}/${s.id}`,
        type: "storage",
        storage: s.id,
        node: node.name,
        status: node.online ? "available" : "unknown",
        plugintype: s.type,
        shared: s.shared ? 1 : 0,
        content: s.content.join(","),
        disk: st.used,
        maxdisk: st.total,
      });
    }
  }
  return out;
}

export function canSeeStorage(ctx: RequestContext, id: string): boolean {
  const privs = ctx.sim.access.privileges(ctx.principal, `/storage/${id}`);
  return privs.has("Datastore.Audit") || privs.has("Datastore.AllocateSpace");
}

function mappingRoutes(kind: "pci" | "usb"): RouteTable {
  const list = (ctx: RequestContext) => ctx.sim.state.world.mappings[kind];
  const visible = (ctx: RequestContext, id: string): boolean => {
    const privs = ctx.sim.access.privileges(ctx.principal, `/mapping/${kind}/${id}`);
    return privs.has("Mapping.Audit") || privs.has("Mapping.Use") || privs.has("Mapping.Modify");
  };
  return {
    [`GET /cluster/mapping/${kind}`]: (ctx) => ({
      data: list(ctx)
        .filter((m) => visible(ctx, m.id))
        .map((m) => ({ id: m.id, type: kind, map: m.map, ...(m.description ? { description: m.description } : {}) })),
    }),
    [`GET /cluster/mapping/${kind}/{id}`]: (ctx) => {
      const id = str(ctx.params, "id") as string;
      const m = list(ctx).find((x) => x.id === id);
      if (!visible(ctx, id)) throw permissionError(`/mapping/${kind}/${id}`, "Mapping.Audit");
      if (!m) throw dieError(`${kind.toUpperCase()} mapping '${id}' not found`);
      const digest = createHash("sha1").update(JSON.stringify(m)).digest("hex");
      return { data: { id: m.id, type: kind, map: m.map, description: m.description, digest } };
    },
  };
}

export const clusterRoutes: RouteTable = {
  "GET /version": () => ({ data: PVE_VERSION }),

  "POST /access/ticket": (ctx) => {
    let username = str(ctx.params, "username") ?? "";
    const realm = str(ctx.params, "realm");
    if (realm && !username.includes("@")) username = `${username}@${realm}`;
    const login = ctx.sim.access.login(username, str(ctx.params, "password") ?? "", ctx.sim.nowSec());
    return {
      data: {
        username: login.userid,
        ticket: login.ticket,
        CSRFPreventionToken: login.csrf,
        clustername: ctx.sim.state.world.clusterName,
        cap: {},
      },
    };
  },

  "GET /access/permissions": (ctx) => {
    const userid = str(ctx.params, "userid");
    if (userid && userid !== ctx.principal.authId && userid !== ctx.principal.userid) {
      ctx.sim.access.require(ctx.principal, "/access", "Sys.Audit");
    }
    return { data: ctx.sim.access.permissionMap(ctx.principal, str(ctx.params, "path")) };
  },

  "GET /nodes": (ctx) => ({ data: ctx.sim.state.world.nodes.map((n) => nodeEntry(ctx, n.name)) }),

  "GET /cluster/status": (ctx) => {
    ctx.sim.access.require(ctx.principal, "/", "Sys.Audit");
    const nodes = ctx.sim.state.world.nodes;
    const quorate = nodes.filter((n) => n.online).length * 2 > nodes.length ? 1 : 0;
    return {
      data: [
        {
          type: "cluster",
          id: "cluster",
          name: ctx.sim.state.world.clusterName,
          nodes: nodes.length,
          version: 7,
          quorate,
        },
        ...nodes.map((n, i) => ({
          type: "node",
          id: `node/${n.name}`,
          name: n.name,
          nodeid: i + 1,
          ip: n.ip,
          local: i === 0 ? 1 : 0,
          online: n.online ? 1 : 0,
          level: "",
        })),
      ],
    };
  },

  "GET /cluster/resources": (ctx) => {
    const type = str(ctx.params, "type");
    const out: Record<string, unknown>[] = [];
    if (!type || type === "node") for (const n of ctx.sim.state.world.nodes) out.push(nodeEntry(ctx, n.name));
    if (!type || type === "vm") {
      for (const vm of [...ctx.sim.state.vms.values()].sort((a, b) => a.vmid - b.vmid)) {
        if (ctx.sim.access.has(ctx.principal, `/vms/${vm.vmid}`, "VM.Audit")) out.push(vmResource(ctx, vm));
      }
    }
    if (!type || type === "storage") out.push(...storageResources(ctx));
    if (!type) {
      for (const p of ctx.sim.state.world.pools) {
        if (ctx.sim.access.has(ctx.principal, `/pool/${p.poolid}`, "Pool.Audit")) {
          out.push({ id: `/pool/${p.poolid}`, type: "pool", pool: p.poolid });
        }
      }
    }
    return { data: out };
  },

  "GET /cluster/nextid": (ctx) => {
    const requested = str(ctx.params, "vmid");
    if (requested !== undefined) {
      const id = Number(requested);
      if (ctx.sim.state.vms.has(id)) throw paramError({ vmid: `VM ${id} already exists` });
      return { data: String(id) };
    }
    // No reservation: concurrent callers get the same id until a create lands (the real race).
    return { data: String(ctx.sim.state.nextFreeVmid()) };
  },

  ...mappingRoutes("pci"),
  ...mappingRoutes("usb"),

  "GET /pools": (ctx) => {
    const only = str(ctx.params, "poolid");
    const pools = ctx.sim.state.world.pools.filter(
      (p) => (!only || p.poolid === only) && ctx.sim.access.has(ctx.principal, `/pool/${p.poolid}`, "Pool.Audit"),
    );
    return {
      data: pools.map((p) => {
        const entry: Record<string, unknown> = { poolid: p.poolid };
        if (p.comment) entry.comment = p.comment;
        if (only) {
          entry.members = [...ctx.sim.state.vms.values()]
            .filter((vm) => vm.pool === p.poolid)
            .map((vm) => ({ id: `qemu/${vm.vmid}`, type: "qemu", vmid: vm.vmid, node: vm.node, status: vm.status }));
        }
        return entry;
      }),
    };
  },

  "POST /pools": (ctx) => {
    const poolid = str(ctx.params, "poolid") as string;
    ctx.sim.access.require(ctx.principal, `/pool/${poolid}`, "Pool.Allocate");
    if (ctx.sim.state.world.pools.some((p) => p.poolid === poolid)) {
      throw dieError(`error with cfs lock 'file-user_cfg': pool '${poolid}' already exists`);
    }
    ctx.sim.state.world.pools.push({ poolid, comment: str(ctx.params, "comment") });
    return { data: null };
  },

  "GET /storage": (ctx) => ({
    data: ctx.sim.state.world.storages
      .filter((s) => canSeeStorage(ctx, s.id) && (!ctx.params.type || s.type === str(ctx.params, "type")))
      .map((s) => ({
        storage: s.id,
        type: s.type,
        content: s.content.join(","),
        shared: s.shared ? 1 : 0,
        ...(s.nodes ? { nodes: s.nodes.join(",") } : {}),
        ...(s.enabled === false ? { disable: 1 } : {}),
        digest: createHash("sha1").update(JSON.stringify(s)).digest("hex"),
      })),
  }),

  ...haRoutes(),
};

function haRoutes(): RouteTable {
  const requireAudit = (ctx: RequestContext) => ctx.sim.access.require(ctx.principal, "/", "Sys.Audit");
  const requireConsole = (ctx: RequestContext) => ctx.sim.access.require(ctx.principal, "/", "Sys.Console");
  const normSid = (sid: string) => (/^\d+$/.test(sid) ? `vm:${sid}` : sid);
  return {
    "GET /cluster/ha/resources": (ctx) => {
      requireAudit(ctx);
      const type = str(ctx.params, "type");
      return {
        data: ctx.sim.state.world.ha.resources.filter((r) => !type || String(r.sid).startsWith(`${type}:`)),
      };
    },
    "GET /cluster/ha/resources/{sid}": (ctx) => {
      requireAudit(ctx);
      const sid = normSid(str(ctx.params, "sid") as string);
      const r = ctx.sim.state.world.ha.resources.find((x) => x.sid === sid);
      if (!r) throw dieError(`no such resource '${sid}'`);
      return { data: r };
    },
    "POST /cluster/ha/resources": (ctx) => {
      requireConsole(ctx);
      const sid = normSid(str(ctx.params, "sid") as string);
      const vmid = Number(sid.split(":")[1]);
      if (!ctx.sim.state.vms.has(vmid)) throw dieError(`unable to find VM '${vmid}'`);
      if (ctx.sim.state.world.ha.resources.some((r) => r.sid === sid)) {
        throw dieError(`resource ID '${sid}' already defined`);
      }
      const entry: Record<string, unknown> = { sid, type: "vm", state: str(ctx.params, "state") ?? "started" };
      for (const k of ["comment", "max_restart", "max_relocate", "failback"]) {
        if (ctx.params[k] !== undefined) entry[k] = ctx.params[k];
      }
      ctx.sim.state.world.ha.resources.push(entry);
      return { data: null };
    },
    "PUT /cluster/ha/resources/{sid}": (ctx) => {
      requireConsole(ctx);
      const sid = normSid(str(ctx.params, "sid") as string);
      const r = ctx.sim.state.world.ha.resources.find((x) => x.sid === sid);
      if (!r) throw dieError(`no such resource '${sid}'`);
      for (const k of ["comment", "max_restart", "max_relocate", "failback", "state"]) {
        if (ctx.params[k] !== undefined) r[k] = ctx.params[k];
      }
      return { data: null };
    },
    "DELETE /cluster/ha/resources/{sid}": (ctx) => {
      requireConsole(ctx);
      const sid = normSid(str(ctx.params, "sid") as string);
      const list = ctx.sim.state.world.ha.resources;
      const i = list.findIndex((x) => x.sid === sid);
      if (i < 0) throw dieError(`cannot delete service '${sid}', not HA managed!`);
      list.splice(i, 1);
      return { data: null };
    },
    "GET /cluster/ha/rules": (ctx) => {
      requireAudit(ctx);
      const type = str(ctx.params, "type");
      return { data: ctx.sim.state.world.ha.rules.filter((r) => !type || r.type === type) };
    },
    "GET /cluster/ha/rules/{rule}": (ctx) => {
      requireAudit(ctx);
      const r = ctx.sim.state.world.ha.rules.find((x) => x.rule === str(ctx.params, "rule"));
      if (!r) throw dieError(`no such ha rule '${str(ctx.params, "rule")}'`);
      return { data: r };
    },
    "POST /cluster/ha/rules": (ctx) => {
      requireConsole(ctx);
      const rule = str(ctx.params, "rule") as string;
      if (ctx.sim.state.world.ha.rules.some((r) => r.rule === rule)) {
        throw new PveHttpError(500, `ha rule '${rule}' already defined`);
      }
      const entry: Record<string, unknown> = { rule };
      for (const k of ["type", "resources", "nodes", "affinity", "strict", "comment", "disable"]) {
        if (ctx.params[k] !== undefined) entry[k] = ctx.params[k];
      }
      ctx.sim.state.world.ha.rules.push(entry);
      return { data: null };
    },
    "PUT /cluster/ha/rules/{rule}": (ctx) => {
      requireConsole(ctx);
      const r = ctx.sim.state.world.ha.rules.find((x) => x.rule === str(ctx.params, "rule"));
      if (!r) throw dieError(`no such ha rule '${str(ctx.params, "rule")}'`);
      for (const k of ["resources", "nodes", "affinity", "strict", "comment", "disable"]) {
        if (ctx.params[k] !== undefined) r[k] = ctx.params[k];
      }
      for (const k of (str(ctx.params, "delete") ?? "").split(/[,;\s]+/).filter(Boolean)) delete r[k];
      return { data: null };
    },
    "DELETE /cluster/ha/rules/{rule}": (ctx) => {
      requireConsole(ctx);
      const list = ctx.sim.state.world.ha.rules;
      const i = list.findIndex((x) => x.rule === str(ctx.params, "rule"));
      if (i < 0) throw dieError(`no such ha rule '${str(ctx.params, "rule")}'`);
      list.splice(i, 1);
      return { data: null };
    },
  };
}
