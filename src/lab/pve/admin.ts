import type { IncomingMessage, ServerResponse } from "node:http";
import type { Simulator } from "./context.ts";
import { PveHttpError } from "./errors.ts";
import type { FaultSpec } from "./faults.ts";
import { sendError, sendJson } from "./server.ts";
import type { PveTask } from "./tasks.ts";

/** A point-in-time copy of the model for assertions. */
export interface PveSnapshot {
  nodes: { name: string; online: boolean }[];
  vms: { vmid: number; node: string; status: string; config: Record<string, string | number>; pool?: string }[];
  volumes: {
    volid: string;
    storage: string;
    node?: string;
    content: string;
    size: number;
    vmid?: number;
    filePath?: string;
  }[];
  tasks: PveTask[];
  storage: { storage: string; node?: string; used: number; total: number }[];
}

/**
 * In-process controls for tests and the lab (`--faults`); the same operations are served over HTTPS at
 * `/_admin/...` for out-of-process use (admin token required).
 */
export class PveAdmin {
  private readonly sim: Simulator;

  constructor(sim: Simulator) {
    this.sim = sim;
  }

  setNodeOnline(node: string, online: boolean): void {
    this.sim.state.requireNode(node).online = online;
    this.sim.changed();
  }

  injectFault(spec: FaultSpec): void {
    this.sim.faults.add(spec);
  }

  clearFaults(): void {
    this.sim.faults.clear();
  }

  /** Out-of-band migration (e.g. HA moved the VM): the VM and its local volumes now live on `toNode`. */
  moveVm(vmid: number, toNode: string): void {
    this.sim.state.requireNode(toNode);
    const vm = this.sim.state.vms.get(vmid);
    if (!vm) throw new Error(`moveVm: VM ${vmid} does not exist`);
    for (const v of [...this.sim.state.volumes.values()]) {
      if (v.vmid === vmid && v.node === vm.node) {
        this.sim.state.freeVolume(v);
        this.sim.state.addVolume({ ...v, node: toNode });
      }
    }
    vm.node = toNode;
    this.sim.changed();
  }

  /** Out-of-band deletion (someone removed the VM by hand): config and owned volumes disappear. */
  deleteVm(vmid: number): void {
    for (const v of [...this.sim.state.volumes.values()]) if (v.vmid === vmid) this.sim.state.freeVolume(v);
    this.sim.state.vms.delete(vmid);
    this.sim.changed();
  }

  /** Sets a VM's power state directly (e.g. the guest powered itself off). */
  setVmStatus(vmid: number, status: "running" | "stopped"): void {
    const vm = this.sim.state.vms.get(vmid);
    if (!vm) throw new Error(`setVmStatus: VM ${vmid} does not exist`);
    vm.status = status;
    vm.startedAtSec = status === "running" ? this.sim.nowSec() : undefined;
    this.sim.changed();
  }

  /**
   * Places a file volume (e.g. a cloud-init snippet, which the API cannot upload) on a storage instance,
   * as an operator would with scp. Returns the volume id.
   */
  storeFile(node: string, storageId: string, content: string, fileName: string, data: Buffer | string): string {
    const storage = this.sim.state.storage(storageId);
    if (!storage) throw new Error(`storeFile: storage '${storageId}' does not exist`);
    this.sim.state.requireNode(node);
    const volid = this.sim.state.storeFile(storage, node, content, fileName, Buffer.from(data)).volid;
    this.sim.changed();
    return volid;
  }

  /** Makes the guest ignore ACPI shutdown requests (shutdown fails with a timeout unless forceStop=1). */
  setGuestIgnoresShutdown(vmid: number, ignores: boolean): void {
    if (ignores) this.sim.state.guestsIgnoringShutdown.add(vmid);
    else this.sim.state.guestsIgnoringShutdown.delete(vmid);
  }

  /** Workers currently holding one of the node's slots (queued tasks are running but not counted). */
  activeWorkers(node: string): number {
    return this.sim.tasks.activeWorkers(node);
  }

  setMaxWorkersPerNode(n: number): void {
    this.sim.tasks.maxWorkersPerNode = n;
  }

  setTicketLifetime(seconds: number): void {
    this.sim.access.ticketLifetimeSec = seconds;
  }

  /** Resolves once the task has stopped. */
  waitForTask(upid: string): Promise<PveTask | undefined> {
    return this.sim.tasks.waitFor(upid);
  }

  /** Resolves once every task known now has stopped. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      const running = [...this.sim.tasks.tasks.values()].filter((t) => t.status === "running");
      if (running.length === 0) return;
      await Promise.all(running.map((t) => this.sim.tasks.waitFor(t.upid)));
    }
  }

  snapshot(): PveSnapshot {
    const s = this.sim.state;
    const storage: PveSnapshot["storage"] = [];
    for (const st of s.world.storages) {
      const nodes = st.shared ? [s.world.nodes[0]?.name ?? ""] : s.world.nodes.map((n) => n.name);
      for (const n of nodes) {
        storage.push({
          storage: st.id,
          node: st.shared ? undefined : n,
          used: s.usedBytes(st, n),
          total: st.capacityBytes,
        });
      }
    }
    return structuredClone({
      nodes: s.world.nodes.map((n) => ({ name: n.name, online: n.online })),
      vms: [...s.vms.values()]
        .sort((a, b) => a.vmid - b.vmid)
        .map((vm) => ({ vmid: vm.vmid, node: vm.node, status: vm.status, config: vm.config, pool: vm.pool })),
      volumes: [...s.volumes.values()].map((v) => ({
        volid: v.volid,
        storage: v.storage,
        node: v.node,
        content: v.content,
        size: v.size,
        vmid: v.vmid,
        filePath: v.filePath,
      })),
      tasks: [...this.sim.tasks.tasks.values()],
      storage,
    });
  }

  /**
   * `/_admin/...` over HTTPS: GET snapshot; GET/POST/DELETE faults; POST nodes/{node}/online {online};
   * POST vms/{vmid}/move {node}; DELETE vms/{vmid}; POST vms/{vmid}/status {status}.
   */
  async handleHttp(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? "/", "https://localhost");
    const parts = url.pathname.split("/").filter(Boolean).slice(1);
    const method = req.method ?? "GET";
    try {
      const principal = this.sim.access.authenticate(req.headers, this.sim.nowSec());
      if (principal.userid !== "root@pam")
        throw new PveHttpError(403, "Permission check failed (admin API needs root@pam)");
      const input = body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
      let data: unknown = null;
      const [a, b, c] = parts;
      if (a === "snapshot" && method === "GET") data = this.snapshot();
      else if (a === "faults" && method === "GET") data = this.sim.faults.list();
      else if (a === "faults" && method === "POST") this.injectFault(input as FaultSpec);
      else if (a === "faults" && method === "DELETE") this.clearFaults();
      else if (a === "nodes" && b && c === "online" && method === "POST") this.setNodeOnline(b, Boolean(input.online));
      else if (a === "vms" && b && c === "move" && method === "POST") this.moveVm(Number(b), String(input.node));
      else if (a === "vms" && b && c === "status" && method === "POST") {
        this.setVmStatus(Number(b), input.status === "running" ? "running" : "stopped");
      } else if (a === "vms" && b && !c && method === "DELETE") this.deleteVm(Number(b));
      else throw new PveHttpError(501, `Method '${method} ${url.pathname}' not implemented`);
      sendJson(res, 200, "OK", { data }, false);
    } catch (err) {
      sendError(res, err instanceof PveHttpError ? err : new PveHttpError(400, (err as Error).message));
    }
    return true;
  }
}
