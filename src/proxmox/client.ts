/**
 * `ProxmoxClient`: the narrow, typed Proxmox VE API surface a provider needs. Every method is one API
 * call named for what it does; asynchronous actions return the task's UPID (wait with
 * {@link ProxmoxClient.waitForTask}). Failures are {@link ProxmoxError}s with a `code`.
 */
import type { Logger } from "pino";
import type { Agent } from "undici";
import { type CredentialSettings, resolveCredentials } from "./auth.ts";
import { isProxmoxError, ProxmoxError } from "./errors.ts";
import { type UploadSource, uploadBody, uploadName } from "./multipart.ts";
import { type TaskLogLine, type TaskStatus, taskPath, type WaitOptions, waitForTask } from "./tasks.ts";
import { createDispatcher, type TlsSettings } from "./tls.ts";
import {
  type CallOptions,
  type HttpMethod,
  type ParamInput,
  type Params,
  type RequestRecord,
  type RetryPolicy,
  Transport,
} from "./transport.ts";
import type {
  BridgeInfo,
  ClusterResource,
  ClusterResourceByFilter,
  ClusterResourceType,
  ClusterStatusEntry,
  HaResource,
  HaResourceState,
  HaRule,
  NetworkInterface,
  NetworkInterfaceType,
  NodeEntry,
  NodeStatus,
  NodeStorage,
  Permissions,
  Pool,
  ResourceMapping,
  StorageContentType,
  StorageVolume,
  VersionInfo,
  VmConfig,
  VmListEntry,
  VmStatus,
  VolumeInfo,
} from "./types.ts";

export interface ProxmoxClientOptions extends CredentialSettings, TlsSettings {
  /** `https://pve.example.com:8006` (the `/api2/json` suffix is optional). */
  url: string;
  /** Per-call timeout in ms (default 30 000). Uploads use `uploadTimeoutMs` (default 10 min). */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
  retry?: RetryPolicy;
  logger?: Logger;
  /** Observes every request sent (method, path, parameters as encoded, status). Passwords are redacted. */
  onRequest?: (record: RequestRecord) => void;
  /** Max parallel connections (default 16). */
  connections?: number;
  /** For tests: backoff sleep, jitter source and clock. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Parameters of `POST /nodes/{node}/qemu`: `vmid` plus config keys (build property strings with propstring.ts). */
export type VmCreateParams = { vmid: number } & Record<string, ParamInput>;

export interface DownloadUrlParams {
  url: string;
  filename: string;
  content: "iso" | "vztmpl" | "import";
  checksum?: string;
  checksumAlgorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
  verifyCertificates?: boolean;
  compression?: string;
}

export interface UploadParams {
  /** What the schema allows for uploads (snippets must be placed by other means). */
  content: "iso" | "vztmpl" | "import";
  source: UploadSource;
  /** Target file name (default: the source path's base name). */
  filename?: string;
  checksum?: string;
  checksumAlgorithm?: DownloadUrlParams["checksumAlgorithm"];
}

export interface HaRuleParams {
  rule: string;
  type: "node-affinity" | "resource-affinity";
  /** `vm:101,vm:102`. */
  resources: string;
  /** node-affinity: `pve1:2,pve2:1` (node[:priority], comma-separated). */
  nodes?: string;
  /** resource-affinity: keep together (positive) or apart (negative). */
  affinity?: "positive" | "negative";
  strict?: boolean;
  disable?: boolean;
  comment?: string;
}

const seg = encodeURIComponent;

/**
 * A Proxmox VE API client. One dispatcher (connection pool + TLS settings) per client; call
 * {@link ProxmoxClient.close} when done.
 *
 * @example
 * const pve = new ProxmoxClient({ url: "https://pve1:8006", tokenID: "omni@pve!provider", tokenSecret, fingerprint });
 * const upid = await pve.createVm("pve1", { vmid: 101, name: "talos-1", memory: 4096, scsi0: "local-lvm:32" });
 * await pve.waitForTask(upid);
 */
export class ProxmoxClient {
  readonly #transport: Transport;
  readonly #dispatcher: Agent;
  readonly #uploadTimeoutMs: number;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #now: (() => number) | undefined;

  constructor(options: ProxmoxClientOptions) {
    const credentials = resolveCredentials(options);
    this.#dispatcher = createDispatcher(options, options.connections);
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
    this.#sleep = options.sleep;
    this.#now = options.now;
    this.#transport = new Transport({
      baseUrl: options.url,
      dispatcher: this.#dispatcher,
      credentials,
      ...optional("timeoutMs", options.timeoutMs),
      ...optional("retry", options.retry),
      ...optional("logger", options.logger),
      ...optional("onRequest", options.onRequest),
      ...optional("sleep", options.sleep),
      ...optional("random", options.random),
      ...optional("now", options.now),
    });
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** Low-level escape hatch for one call; prefer the typed methods. */
  call<T>(method: HttpMethod, path: string, params?: Params, options?: CallOptions): Promise<T> {
    return this.#transport.call<T>(method, path, params, options);
  }

  // ---- cluster and nodes ----

  /** `GET /version` — also a cheap auth probe. */
  version(): Promise<VersionInfo> {
    return this.call("GET", "/version");
  }

  listNodes(): Promise<NodeEntry[]> {
    return this.call("GET", "/nodes");
  }

  nodeStatus(node: string): Promise<NodeStatus> {
    return this.call("GET", `/nodes/${seg(node)}/status`);
  }

  /**
   * `GET /cluster/resources`, typed by filter.
   *
   * @example
   * const vms = await pve.clusterResources("vm"); // VmResource[]
   */
  clusterResources<T extends ClusterResourceType>(type: T): Promise<ClusterResourceByFilter[T][]>;
  /** Every resource (nodes, VMs, storages, and others such as SDN zones). */
  clusterResources(): Promise<ClusterResource[]>;
  clusterResources(type?: ClusterResourceType): Promise<ClusterResource[]> {
    return this.call("GET", "/cluster/resources", { type });
  }

  clusterStatus(): Promise<ClusterStatusEntry[]> {
    return this.call("GET", "/cluster/status");
  }

  /**
   * `GET /cluster/nextid`: the lowest free VMID. Racy by design (no reservation); use
   * {@link VmidAllocator} when creating concurrently.
   */
  async nextId(): Promise<number> {
    return toVmid(await this.call<string | number>("GET", "/cluster/nextid"));
  }

  /** True when `vmid` is free right now (`nextid?vmid=N`); false when a VM or CT has it. */
  async isVmidFree(vmid: number): Promise<boolean> {
    try {
      await this.call("GET", "/cluster/nextid", { vmid });
      return true;
    } catch (err) {
      if (isProxmoxError(err, "already_exists")) return false;
      throw err;
    }
  }

  // ---- storage ----

  /** Storages of a node; `content` keeps those offering any of the types, `enabled` drops disabled ones. */
  listStorages(
    node: string,
    filter: { content?: StorageContentType | StorageContentType[]; enabled?: boolean; storage?: string } = {},
  ): Promise<NodeStorage[]> {
    const content = Array.isArray(filter.content) ? filter.content.join(",") : filter.content;
    return this.call("GET", `/nodes/${seg(node)}/storage`, {
      content,
      enabled: filter.enabled,
      storage: filter.storage,
    });
  }

  /** One storage's status on a node (same shape as a {@link listStorages} entry); unknown → `not_found`. */
  storageStatus(node: string, storage: string): Promise<NodeStorage> {
    return this.call("GET", `/nodes/${seg(node)}/storage/${seg(storage)}/status`);
  }

  listStorageContent(
    node: string,
    storage: string,
    filter: { content?: StorageContentType; vmid?: number } = {},
  ): Promise<StorageVolume[]> {
    return this.call("GET", `/nodes/${seg(node)}/storage/${seg(storage)}/content`, {
      content: filter.content,
      vmid: filter.vmid,
    });
  }

  /** One volume (`local:iso/talos.iso`); a missing volume is `not_found`. */
  getVolume(node: string, storage: string, volume: string): Promise<VolumeInfo> {
    return this.call("GET", `/nodes/${seg(node)}/storage/${seg(storage)}/content/${seg(volume)}`);
  }

  /** Deletes a volume; returns the `imgdel` UPID. */
  async deleteVolume(node: string, storage: string, volume: string): Promise<string> {
    return this.call("DELETE", `/nodes/${seg(node)}/storage/${seg(storage)}/content/${seg(volume)}`);
  }

  /** Has the node fetch a URL into the storage; returns the `download` UPID. */
  downloadUrl(node: string, storage: string, params: DownloadUrlParams): Promise<string> {
    return this.call("POST", `/nodes/${seg(node)}/storage/${seg(storage)}/download-url`, {
      url: params.url,
      filename: params.filename,
      content: params.content,
      checksum: params.checksum,
      "checksum-algorithm": params.checksumAlgorithm,
      "verify-certificates": params.verifyCertificates,
      compression: params.compression,
    });
  }

  /**
   * Streams a file into a storage (`iso`, `import`, `snippets`, `vztmpl`) as multipart; returns the
   * `imgcopy` UPID. An existing file of the same name is overwritten by Proxmox.
   *
   * @example
   * const upid = await pve.upload("pve1", "local", { content: "iso", source: { path: "/tmp/user-data-101.iso" } });
   */
  async upload(node: string, storage: string, params: UploadParams): Promise<string> {
    const fields: [string, string][] = [["content", params.content]];
    if (params.checksumAlgorithm) fields.push(["checksum-algorithm", params.checksumAlgorithm]);
    if (params.checksum) fields.push(["checksum", params.checksum]);
    const name = params.filename ?? ("path" in params.source ? uploadName(params.source.path) : undefined);
    if (!name) {
      throw new ProxmoxError("invalid_params", "upload from a stream needs params.filename (the target file name)", {
        params: { filename: "missing" },
      });
    }
    const body = await uploadBody(fields, name, params.source);
    return this.#transport.upload(
      `/nodes/${seg(node)}/storage/${seg(storage)}/upload`,
      body,
      {
        ...Object.fromEntries(fields),
        filename: name,
      },
      { timeoutMs: this.#uploadTimeoutMs },
    );
  }

  // ---- VMs ----

  listVms(node: string): Promise<VmListEntry[]> {
    return this.call("GET", `/nodes/${seg(node)}/qemu`);
  }

  /** `POST /nodes/{node}/qemu`; returns the `qmcreate` UPID. A taken VMID is `already_exists`. */
  createVm(node: string, params: VmCreateParams): Promise<string> {
    return this.call("POST", `/nodes/${seg(node)}/qemu`, params);
  }

  /** The VM config (pending values applied unless `current`). A missing VM is `not_found`. */
  getVmConfig(node: string, vmid: number, options: { current?: boolean } = {}): Promise<VmConfig> {
    return this.call("GET", `/nodes/${seg(node)}/qemu/${vmid}/config`, { current: options.current });
  }

  /**
   * Asynchronous config update (`POST …/config`); returns the `qmconfig` UPID (or null if Proxmox
   * finished it inline). Remove keys with `delete: "ide0,unused0"`.
   */
  updateVmConfig(node: string, vmid: number, params: Record<string, ParamInput>): Promise<string | null> {
    return this.call("POST", `/nodes/${seg(node)}/qemu/${vmid}/config`, params);
  }

  /** Synchronous config update (`PUT …/config`); no disk allocation (use {@link updateVmConfig} for that). */
  async setVmConfig(node: string, vmid: number, params: Record<string, ParamInput>): Promise<void> {
    await this.call("PUT", `/nodes/${seg(node)}/qemu/${vmid}/config`, params);
  }

  vmStatus(node: string, vmid: number): Promise<VmStatus> {
    return this.call("GET", `/nodes/${seg(node)}/qemu/${vmid}/status/current`);
  }

  /** Returns the `qmstart` UPID; starting a running VM fails in the task. */
  startVm(node: string, vmid: number): Promise<string> {
    return this.call("POST", `/nodes/${seg(node)}/qemu/${vmid}/status/start`);
  }

  /** Hard stop; returns the `qmstop` UPID. `timeout` (s) bounds the wait for QEMU to quit. */
  stopVm(node: string, vmid: number, options: { timeout?: number } = {}): Promise<string> {
    return this.call("POST", `/nodes/${seg(node)}/qemu/${vmid}/status/stop`, { timeout: options.timeout });
  }

  /** ACPI/agent shutdown; with `forceStop` the VM is stopped when `timeout` (s) passes. */
  shutdownVm(node: string, vmid: number, options: { timeout?: number; forceStop?: boolean } = {}): Promise<string> {
    return this.call("POST", `/nodes/${seg(node)}/qemu/${vmid}/status/shutdown`, {
      timeout: options.timeout,
      forceStop: options.forceStop,
    });
  }

  /**
   * Destroys a stopped VM; returns the `qmdestroy` UPID. A missing VM is `not_found`, a running one
   * `conflict`.
   */
  deleteVm(
    node: string,
    vmid: number,
    options: { purge?: boolean; destroyUnreferencedDisks?: boolean } = {},
  ): Promise<string> {
    return this.call("DELETE", `/nodes/${seg(node)}/qemu/${vmid}`, {
      purge: options.purge,
      "destroy-unreferenced-disks": options.destroyUnreferencedDisks,
    });
  }

  // ---- tasks ----

  taskStatus(upid: string): Promise<TaskStatus> {
    return this.call("GET", `${taskPath(upid)}/status`);
  }

  taskLog(upid: string, range: { start?: number; limit?: number } = {}): Promise<TaskLogLine[]> {
    return this.call("GET", `${taskPath(upid)}/log`, { start: range.start, limit: range.limit });
  }

  /** Waits for a task to stop; failed tasks reject with `task_failed` (exit status + log tail). */
  waitForTask(upid: string, options: WaitOptions = {}): Promise<TaskStatus> {
    return waitForTask(this, upid, {
      ...optional("sleep", this.#sleep),
      ...optional("now", this.#now),
      ...options,
    });
  }

  // ---- network ----

  listNetwork(node: string, type?: NetworkInterfaceType): Promise<NetworkInterface[]> {
    return this.call("GET", `/nodes/${seg(node)}/network`, { type });
  }

  /** Linux and OVS bridges of a node, with VLAN awareness. */
  async listBridges(node: string): Promise<BridgeInfo[]> {
    const ifaces = await this.listNetwork(node, "any_bridge");
    return ifaces
      .filter((i) => i.type === "bridge" || i.type === "OVSBridge")
      .map((i) => ({
        iface: i.iface,
        // OVS bridges carry VLANs natively.
        vlanAware: i.type === "OVSBridge" || Number(i.bridge_vlan_aware ?? 0) === 1,
        active: Number(i.active ?? 0) === 1,
        ports: (i.bridge_ports ?? "").split(/\s+/).filter(Boolean),
        ...optional("vids", i["bridge-vids"]),
      }));
  }

  // ---- resource mappings, permissions, pools ----

  listPciMappings(options: { checkNode?: string } = {}): Promise<ResourceMapping[]> {
    return this.call("GET", "/cluster/mapping/pci", { "check-node": options.checkNode });
  }

  getPciMapping(id: string): Promise<ResourceMapping> {
    return this.call("GET", `/cluster/mapping/pci/${seg(id)}`);
  }

  listUsbMappings(options: { checkNode?: string } = {}): Promise<ResourceMapping[]> {
    return this.call("GET", "/cluster/mapping/usb", { "check-node": options.checkNode });
  }

  /** Effective privileges of the caller (for a token: the intersection with its user). */
  permissions(path?: string): Promise<Permissions> {
    return this.call("GET", "/access/permissions", { path });
  }

  listPools(): Promise<Pool[]> {
    return this.call("GET", "/pools");
  }

  /** One pool with its members; a missing pool is `not_found`. */
  async getPool(poolid: string): Promise<Pool> {
    const pools = await this.call<Pool[]>("GET", "/pools", { poolid });
    const pool = pools?.find((p) => p.poolid === poolid);
    if (!pool) throw new ProxmoxError("not_found", `pool '${poolid}' does not exist or is not visible to this token`);
    return pool;
  }

  // ---- HA (PVE 9: resources + rules) ----

  listHaResources(type?: "vm" | "ct"): Promise<HaResource[]> {
    return this.call("GET", "/cluster/ha/resources", { type });
  }

  getHaResource(sid: string): Promise<HaResource> {
    return this.call("GET", `/cluster/ha/resources/${seg(sid)}`);
  }

  async addHaResource(
    sid: string,
    options: {
      state?: HaResourceState;
      comment?: string;
      maxRestart?: number;
      maxRelocate?: number;
      failback?: boolean;
    } = {},
  ): Promise<void> {
    await this.call("POST", "/cluster/ha/resources", {
      sid,
      state: options.state,
      comment: options.comment,
      max_restart: options.maxRestart,
      max_relocate: options.maxRelocate,
      failback: options.failback,
    });
  }

  async removeHaResource(sid: string, options: { purge?: boolean } = {}): Promise<void> {
    await this.call("DELETE", `/cluster/ha/resources/${seg(sid)}`, { purge: options.purge });
  }

  listHaRules(filter: { type?: HaRule["type"]; resource?: string } = {}): Promise<HaRule[]> {
    return this.call("GET", "/cluster/ha/rules", { type: filter.type, resource: filter.resource });
  }

  getHaRule(rule: string): Promise<HaRule> {
    return this.call("GET", `/cluster/ha/rules/${seg(rule)}`);
  }

  async addHaRule(params: HaRuleParams): Promise<void> {
    await this.call("POST", "/cluster/ha/rules", {
      rule: params.rule,
      type: params.type,
      resources: params.resources,
      nodes: params.nodes,
      affinity: params.affinity,
      strict: params.strict,
      disable: params.disable,
      comment: params.comment,
    });
  }

  async removeHaRule(rule: string): Promise<void> {
    await this.call("DELETE", `/cluster/ha/rules/${seg(rule)}`);
  }
}

function toVmid(value: string | number): number {
  const n = typeof value === "number" ? value : Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 100) {
    throw new ProxmoxError("unknown", `/cluster/nextid returned '${String(value)}', which is not a VMID`);
  }
  return n;
}

/** `{ [key]: value }` when value is defined, else `{}` (keeps optional options truly absent). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
