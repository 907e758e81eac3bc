import { type RequestContext, type RouteTable, str } from "../context.ts";
import { paramError } from "../errors.ts";
import type { PveTask } from "../tasks.ts";
import { nodeUsage } from "./cluster.ts";

const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** The task named by `{upid}` on `{node}`: 400 like PVE when unparsable or from another node. */
function taskOf(ctx: RequestContext): PveTask {
  const upid = str(ctx.params, "upid") as string;
  const m = UPID_RE.exec(upid);
  if (!m) throw paramError({ upid: "unable to parse worker upid" });
  const task = ctx.sim.tasks.tasks.get(upid);
  if (!task || m[1] !== str(ctx.params, "node")) throw paramError({ upid: "no such task" });
  const own = task.user === ctx.principal.authId || task.user.split("!")[0] === ctx.principal.authId;
  if (!own) ctx.sim.access.require(ctx.principal, `/nodes/${task.node}`, "Sys.Audit");
  return task;
}

function taskStatus(task: PveTask): Record<string, unknown> {
  const [user, tokenid] = task.user.split("!");
  const out: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user,
    status: task.status,
  };
  if (tokenid) out.tokenid = tokenid;
  if (task.status === "stopped") out.exitstatus = task.exitstatus;
  return out;
}

export const nodeRoutes: RouteTable = {
  "GET /nodes/{node}/status": (ctx) => {
    const name = str(ctx.params, "node") as string;
    ctx.sim.access.require(ctx.principal, `/nodes/${name}`, "Sys.Audit");
    const spec = ctx.sim.state.requireNode(name);
    const usage = nodeUsage(ctx, name);
    const load = (usage.cpu * spec.cpus).toFixed(2);
    return {
      data: {
        cpu: usage.cpu,
        wait: 0.001,
        idle: 0,
        loadavg: [load, load, load],
        memory: {
          total: spec.memoryBytes,
          used: usage.mem,
          free: spec.memoryBytes - usage.mem,
          available: spec.memoryBytes - usage.mem,
        },
        swap: { total: 8 * 1024 ** 3, used: 0, free: 8 * 1024 ** 3 },
        rootfs: {
          total: spec.rootfsBytes,
          used: Math.round(spec.rootfsBytes * 0.12),
          free: Math.round(spec.rootfsBytes * 0.88),
          avail: Math.round(spec.rootfsBytes * 0.88),
        },
        ksm: { shared: 0 },
        cpuinfo: {
          model: "AMD EPYC 7302P 16-Core Processor",
          cpus: spec.cpus,
          cores: spec.cpus,
          sockets: 1,
          mhz: "3000.000",
          hvm: "1",
          user_hz: 100,
          flags: "fpu vme de pse svm",
        },
        uptime: 86400 * 12,
        kversion: "Linux 6.17.2-1-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-10-21T11:55Z) x86_64",
        pveversion: "pve-manager/9.1.3/4a1b2c3d",
        "current-kernel": {
          sysname: "Linux",
          release: "6.17.2-1-pve",
          version: "#1 SMP PREEMPT_DYNAMIC",
          machine: "x86_64",
        },
        "boot-info": { mode: "efi", secureboot: 0 },
      },
    };
  },

  "GET /nodes/{node}/network": (ctx) => {
    const node = str(ctx.params, "node") as string;
    const type = str(ctx.params, "type");
    const bridges = ctx.sim.state.world.bridges.filter((b) => b.node === node);
    const out: Record<string, unknown>[] = [];
    if (!type || type === "any_bridge" || type === "bridge") {
      for (const b of bridges) {
        const privs = ctx.sim.access.privileges(ctx.principal, `/sdn/zones/localnetwork/${b.iface}`);
        if (!privs.has("SDN.Audit") && !privs.has("SDN.Use")) continue;
        const entry: Record<string, unknown> = {
          iface: b.iface,
          type: "bridge",
          active: 1,
          autostart: 1,
          families: ["inet"],
          method: b.cidr ? "static" : "manual",
          method6: "manual",
          bridge_ports: "eno1",
          bridge_stp: "off",
          bridge_fd: "0",
          priority: 3,
        };
        if (b.vlanAware) {
          entry.bridge_vlan_aware = 1;
          entry.bridge_vids = "2-4094";
        }
        if (b.cidr) entry.cidr = b.cidr;
        out.push(entry);
      }
    }
    if (!type || type === "eth" || type === "any_local_bridge") {
      if (!type || type === "eth")
        out.push({
          iface: "eno1",
          type: "eth",
          active: 1,
          exists: 1,
          families: ["inet"],
          method: "manual",
          method6: "manual",
          priority: 2,
        });
    }
    return { data: out };
  },

  "GET /nodes/{node}/tasks": (ctx) => {
    const node = str(ctx.params, "node") as string;
    const vmid = str(ctx.params, "vmid");
    const typefilter = str(ctx.params, "typefilter");
    const source = str(ctx.params, "source") ?? "archive";
    const errorsOnly = str(ctx.params, "errors") === "1";
    const start = Number(str(ctx.params, "start") ?? 0);
    const limit = Number(str(ctx.params, "limit") ?? 50);
    const mayAudit = ctx.sim.access.has(ctx.principal, `/nodes/${node}`, "Sys.Audit");
    const tasks = [...ctx.sim.tasks.tasks.values()]
      .filter((t) => t.node === node)
      .filter((t) => mayAudit || t.user === ctx.principal.authId)
      .filter((t) => !vmid || t.id === vmid)
      .filter((t) => !typefilter || t.type === typefilter)
      .filter((t) => source === "all" || (source === "active" ? t.status === "running" : t.status === "stopped"))
      .filter((t) => !errorsOnly || (t.status === "stopped" && t.exitstatus !== "OK"))
      .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
    const page = tasks.slice(start, start + limit).map((t) => {
      const s = taskStatus(t);
      if (t.status === "stopped") {
        s.endtime = t.endtime;
        s.status = t.exitstatus;
      }
      return s;
    });
    return { data: page, extra: { total: tasks.length } };
  },

  "GET /nodes/{node}/tasks/{upid}/status": (ctx) => ({ data: taskStatus(taskOf(ctx)) }),

  "GET /nodes/{node}/tasks/{upid}/log": (ctx) => {
    const task = taskOf(ctx);
    const start = Number(str(ctx.params, "start") ?? 0);
    const limit = Number(str(ctx.params, "limit") ?? 50);
    const lines = task.log.length > 0 ? task.log : ["no content"];
    const page = lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
    return { data: page, extra: { total: lines.length } };
  },

  "DELETE /nodes/{node}/tasks/{upid}": (ctx) => {
    const task = taskOf(ctx);
    if (task.user !== ctx.principal.authId) {
      ctx.sim.access.require(ctx.principal, `/nodes/${task.node}`, "Sys.Modify");
    }
    // Stopping a finished task is a no-op, as signalling a dead worker is.
    if (task.status === "running") ctx.sim.tasks.stop(task.upid);
    return { data: null };
  },
};
