import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";
import { type RequestContext, type RouteTable, startTask, str } from "../context.ts";
import { dieError, paramError, permissionError, TaskFailure } from "../errors.ts";
import type { Volume } from "../state.ts";
import type { PveStorageSpec } from "../world.ts";
import { canSeeStorage, storageStatus } from "./cluster.ts";

const FILE_BASED = new Set(["dir", "nfs", "cephfs", "cifs", "btrfs"]);
const EXTENSIONS: Record<string, RegExp> = {
  iso: /\.(iso|img)$/i,
  vztmpl: /\.(tar\.(gz|xz|zst|bz2)|tgz)$/i,
  import: /\.(ova|ovf|qcow2|raw|vmdk|img)$/i,
};

function storageOf(ctx: RequestContext): { storage: PveStorageSpec; node: string } {
  const id = str(ctx.params, "storage") as string;
  const node = str(ctx.params, "node") as string;
  const storage = ctx.sim.state.storage(id);
  if (!storage) throw dieError(`storage '${id}' does not exist`);
  return { storage, node };
}

function requireAuditOrSpace(ctx: RequestContext, id: string): void {
  if (!canSeeStorage(ctx, id)) throw permissionError(`/storage/${id}`, "Datastore.Audit|Datastore.AllocateSpace");
}

/** `{volume}` may be the full volid or just the volname; a different storage prefix is a 400. */
function volumeName(ctx: RequestContext, storage: PveStorageSpec): string {
  const raw = str(ctx.params, "volume") as string;
  const colon = raw.indexOf(":");
  if (colon < 0) return raw;
  if (raw.slice(0, colon) !== storage.id) throw paramError({ volume: "storage ID mismatch" });
  return raw.slice(colon + 1);
}

/** PVE's upload/download filename normalisation: directory stripped, odd characters replaced. */
export function normaliseFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return base.replace(/[^A-Za-z0-9_.-]/g, "_");
}

function checkContent(storage: PveStorageSpec, content: string): void {
  if (!storage.content.includes(content)) {
    throw dieError(`storage '${storage.id}' is not configured for content-type '${content}'`);
  }
}

function volumeEntry(v: Volume): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    volid: v.volid,
    content: v.content,
    format: v.format,
    size: v.size,
    ctime: v.ctime,
  };
  if (v.vmid !== undefined) entry.vmid = v.vmid;
  if (v.content === "images") entry.used = v.size;
  return entry;
}

function checksumOf(data: Buffer, algorithm: string): string {
  return createHash(algorithm).update(data).digest("hex");
}

export const storageRoutes: RouteTable = {
  "GET /nodes/{node}/storage": (ctx) => {
    const node = str(ctx.params, "node") as string;
    const content = str(ctx.params, "content")
      ?.split(/[,;\s]+/)
      .filter(Boolean);
    const enabled = str(ctx.params, "enabled") === "1";
    const only = str(ctx.params, "storage");
    const target = str(ctx.params, "target");
    if (only && !ctx.sim.state.storage(only)) throw paramError({ storage: "No such storage." });
    const out: Record<string, unknown>[] = [];
    for (const s of ctx.sim.state.world.storages) {
      if (only && s.id !== only) continue;
      if (!canSeeStorage(ctx, s.id)) continue;
      const usable = ctx.sim.state.storageOnNode(s, node);
      if (content && (!usable || !content.some((c) => s.content.includes(c)))) continue;
      if (enabled && s.enabled === false) continue;
      if (target && target !== node && !s.shared) continue;
      const st = storageStatus(ctx, s, node);
      const entry: Record<string, unknown> = {
        storage: s.id,
        type: s.type,
        content: s.content.join(","),
        enabled: usable ? 1 : 0,
        active: st.active,
        shared: s.shared ? 1 : 0,
        total: st.total,
        used: st.used,
        avail: st.avail,
      };
      if (st.total > 0) entry.used_fraction = st.used / st.total;
      out.push(entry);
    }
    return { data: out };
  },

  "GET /nodes/{node}/storage/{storage}/status": (ctx) => {
    const { storage, node } = storageOf(ctx);
    requireAuditOrSpace(ctx, storage.id);
    if (!ctx.sim.state.storageOnNode(storage, node)) {
      throw dieError(`storage '${storage.id}' is not available on node '${node}'`);
    }
    const st = storageStatus(ctx, storage, node);
    return {
      data: {
        type: storage.type,
        content: storage.content.join(","),
        enabled: 1,
        active: st.active,
        shared: storage.shared ? 1 : 0,
        total: st.total,
        used: st.used,
        avail: st.avail,
      },
    };
  },

  "GET /nodes/{node}/storage/{storage}/content": (ctx) => {
    const { storage, node } = storageOf(ctx);
    requireAuditOrSpace(ctx, storage.id);
    const content = str(ctx.params, "content");
    const vmid = str(ctx.params, "vmid");
    const vols = ctx.sim.state
      .volumesOn(storage, node)
      .filter((v) => (!content || v.content === content) && (!vmid || String(v.vmid) === vmid))
      .sort((a, b) => a.volid.localeCompare(b.volid));
    return { data: vols.map(volumeEntry) };
  },

  "GET /nodes/{node}/storage/{storage}/content/{volume}": (ctx) => {
    const { storage, node } = storageOf(ctx);
    const volname = volumeName(ctx, storage);
    const privs = ctx.sim.access.privileges(ctx.principal, `/storage/${storage.id}`);
    if (!privs.has("Datastore.Allocate") && !privs.has("Datastore.Audit") && !privs.has("Datastore.AllocateSpace")) {
      throw permissionError(`/storage/${storage.id}`, "Datastore.Audit");
    }
    const v = ctx.sim.state.findVolume(storage, node, volname);
    if (!v) {
      // Real PVE fails in volume_size_info: a 500, never a 404.
      throw dieError(`volume_size_info on '${storage.id}:${volname}' failed - no such volume`);
    }
    const path = v.filePath ?? `/var/lib/vz/${volname}`;
    return { data: { path, size: v.size, used: v.size, format: v.format } };
  },

  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": (ctx) => {
    const { storage, node } = storageOf(ctx);
    const volname = volumeName(ctx, storage);
    ctx.sim.access.require(ctx.principal, `/storage/${storage.id}`, "Datastore.Allocate");
    const v = ctx.sim.state.findVolume(storage, node, volname);
    if (!v) throw dieError(`volume '${storage.id}:${volname}' does not exist`);
    if (v.vmid !== undefined && ctx.sim.state.vms.has(v.vmid)) {
      const vm = ctx.sim.state.vms.get(v.vmid);
      if (vm && Object.values(vm.config).some((val) => String(val).split(",")[0] === v.volid)) {
        throw dieError(`unable to delete volume '${v.volid}' - volume is still in use (referenced by VM ${v.vmid})`);
      }
    }
    const task = startTask(ctx, {
      node,
      type: "imgdel",
      id: v.vmid !== undefined ? `${v.vmid}@${storage.id}` : storage.id,
      body: (t) => {
        const still = ctx.sim.state.findVolume(storage, node, volname);
        if (!still) throw new TaskFailure(`volume '${v.volid}' does not exist`);
        ctx.sim.state.freeVolume(still);
        t.log(`Removed volume '${v.volid}'`);
      },
    });
    return { data: task.upid };
  },

  "POST /nodes/{node}/storage/{storage}/download-url": (ctx) => {
    const { storage, node } = storageOf(ctx);
    ctx.sim.access.require(ctx.principal, `/storage/${storage.id}`, "Datastore.AllocateTemplate");
    const rootPrivs = ctx.sim.access.privileges(ctx.principal, "/");
    const viaRoot = rootPrivs.has("Sys.Audit") && rootPrivs.has("Sys.Modify");
    if (!viaRoot) ctx.sim.access.require(ctx.principal, `/nodes/${node}`, "Sys.AccessNetwork");
    if (!ctx.sim.state.storageOnNode(storage, node))
      throw dieError(`storage '${storage.id}' is not enabled on node '${node}'`);
    if (!FILE_BASED.has(storage.type)) {
      throw dieError(`can't upload to storage type '${storage.type}', not a file based storage!`);
    }
    const content = str(ctx.params, "content") as string;
    checkContent(storage, content);
    const fileName = normaliseFileName(str(ctx.params, "filename") as string);
    if (!EXTENSIONS[content]?.test(fileName)) throw paramError({ filename: "wrong file extension" });
    const url = str(ctx.params, "url") as string;
    const algorithm = str(ctx.params, "checksum-algorithm");
    const checksum = str(ctx.params, "checksum")?.toLowerCase();
    const verify = str(ctx.params, "verify-certificates") !== "0";
    const volname = `${content}/${fileName}`;
    const task = startTask(ctx, {
      node,
      type: "download",
      id: encodeURIComponent(fileName),
      body: async (t) => {
        const existing = ctx.sim.state.findVolume(storage, node, volname);
        if (existing) {
          if (!checksum || !algorithm)
            throw new TaskFailure(`refusing to override existing file '/var/lib/vz/template/${volname}'`);
          const data = existing.filePath ? readFileSync(existing.filePath) : undefined;
          if (data && checksumOf(data, algorithm) !== checksum) {
            throw new TaskFailure(
              `checksum mismatch: got '${checksumOf(data, algorithm)}' != expect '${checksum}', aborting`,
            );
          }
          t.log("OK, got correct file already, no need to download");
          return;
        }
        t.log(`downloading ${url} to /var/lib/vz/template/${volname}`);
        const data = await fetchLoopback(url, verify, t.signal);
        t.log(`download of '${url}' to '/var/lib/vz/template/${volname}' finished`);
        if (checksum && algorithm) {
          const got = checksumOf(data, algorithm);
          if (got !== checksum)
            throw new TaskFailure(`checksum mismatch: got '${got}' != expect '${checksum}', aborting`);
          t.log(`calculating checksum...OK, checksum verified`);
        }
        ctx.sim.state.storeFile(storage, node, content, fileName, data);
      },
    });
    return { data: task.upid };
  },

  "POST /nodes/{node}/storage/{storage}/upload": (ctx) => {
    const { storage, node } = storageOf(ctx);
    ctx.sim.access.require(ctx.principal, `/storage/${storage.id}`, "Datastore.AllocateTemplate");
    const content = str(ctx.params, "content") as string;
    if (!ctx.upload) throw paramError({ filename: "property is missing and it is not optional" });
    checkContent(storage, content);
    if (!FILE_BASED.has(storage.type)) {
      throw dieError(`can't upload to storage type '${storage.type}', not a file based storage!`);
    }
    const fileName = normaliseFileName(ctx.upload.fileName);
    if (!EXTENSIONS[content]?.test(fileName)) throw paramError({ filename: "wrong file extension" });
    const algorithm = str(ctx.params, "checksum-algorithm");
    const checksum = str(ctx.params, "checksum")?.toLowerCase();
    const data = ctx.upload.data;
    const tmp = `/var/tmp/pveupload-${createHash("md5").update(data).digest("hex").slice(0, 16)}`;
    const task = startTask(ctx, {
      node,
      type: "imgcopy",
      id: "",
      body: (t) => {
        t.log(`starting file import from: ${tmp}`);
        if (checksum && algorithm) {
          const got = checksumOf(data, algorithm);
          if (got !== checksum) throw new TaskFailure(`checksum mismatch: got '${got}' != expect '${checksum}'`);
          t.log("calculating checksum...OK, checksum verified");
        }
        t.log(`target node: ${node}`);
        t.log(`target file: /var/lib/vz/template/${content}/${fileName}`);
        t.log(`file size is: ${data.length}`);
        ctx.sim.state.storeFile(storage, node, content, fileName, data);
        t.log("finished file import successfully");
      },
    });
    return { data: task.upid };
  },
};

/** Downloads only from loopback hosts: the lab never reaches the internet. */
async function fetchLoopback(url: string, verify: boolean, signal: AbortSignal): Promise<Buffer> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new TaskFailure(
      `download failed: command 'wget ${url}' failed: exit code 4 (simulator downloads from loopback only)`,
    );
  }
  const dispatcher = new Agent({ connect: { rejectUnauthorized: verify } });
  try {
    const res = await undiciFetch(url, { dispatcher, signal });
    if (!res.ok) throw new TaskFailure(`download failed: command 'wget ${url}' failed: exit code 8`);
    return Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof TaskFailure) throw err;
    if (signal.aborted) throw new TaskFailure("received interrupt");
    throw new TaskFailure(`download failed: command 'wget ${url}' failed: exit code 4`);
  } finally {
    await dispatcher.close();
  }
}
