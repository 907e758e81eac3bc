/**
 * Puts a Talos ISO into an ISO storage once per (storage location, file), however many requests need
 * it at the same moment: concurrent callers in this process share one download (single-flight), and the
 * storage content is the cross-process truth — a file already there is used, and a download that lost
 * the race to another process ("refusing to override") counts as success once the file is listed.
 */
import { isProxmoxError, type ProxmoxClient, type WaitOptions } from "../../proxmox/index.ts";
import { isoVolumeId } from "./names.ts";

export interface IsoTarget {
  /** Node that runs the download (and, for a local storage, holds the file). */
  readonly node: string;
  readonly storage: string;
  /** A shared storage holds one copy for the whole cluster. */
  readonly shared: boolean;
  readonly fileName: string;
  /** Where Proxmox fetches the ISO from (may embed credentials: never logged). */
  readonly url: string;
}

export interface IsoShareOptions {
  readonly task?: WaitOptions;
  readonly now?: () => number;
}

export class IsoShare {
  readonly #pve: ProxmoxClient;
  readonly #task: WaitOptions;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<string>>();
  /** Location key → UPID of a download whose wait timed out: the next call waits for it instead of starting another. */
  readonly #downloading = new Map<string, string>();
  /** Location key → when this process last made sure the file exists (GC leaves fresh files alone). */
  readonly #touched = new Map<string, number>();

  constructor(pve: ProxmoxClient, options: IsoShareOptions = {}) {
    this.#pve = pve;
    this.#task = options.task ?? {};
    this.#now = options.now ?? Date.now;
  }

  /**
   * Resolves with the volume ID once the file is in the storage. Rejects with the download task's
   * `task_failed` error (the caller retries later; the next call starts a new download) or with
   * `timeout` when the download outlasts the wait (the next call waits for the same download).
   *
   * @example
   * const volid = await isos.ensure({ node: "golf", storage: "local", shared: false, fileName, url });
   */
  ensure(target: IsoTarget): Promise<string> {
    const key = locationKey(target.node, target.storage, target.shared, target.fileName);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const work = this.#ensure(target, key).finally(() => {
      this.#inFlight.delete(key);
      this.#touched.set(key, this.#now());
    });
    this.#inFlight.set(key, work);
    return work;
  }

  /** True when this process is downloading the file or made sure of it within `withinMs`. */
  recentlyUsed(node: string, storage: string, shared: boolean, fileName: string, withinMs: number): boolean {
    const key = locationKey(node, storage, shared, fileName);
    if (this.#inFlight.has(key)) return true;
    const at = this.#touched.get(key);
    return at !== undefined && this.#now() - at <= withinMs;
  }

  async #ensure(target: IsoTarget, key: string): Promise<string> {
    const volid = isoVolumeId(target.storage, target.fileName);
    if (await this.#exists(target.node, target.storage, volid)) {
      this.#downloading.delete(key);
      return volid;
    }
    let upid = this.#downloading.get(key);
    if (upid === undefined) {
      upid = await this.#pve.downloadUrl(target.node, target.storage, {
        url: target.url,
        filename: target.fileName,
        content: "iso",
      });
      this.#downloading.set(key, upid);
    }
    try {
      await this.#pve.waitForTask(upid, this.#task);
    } catch (err) {
      // Still running (a slow link): keep its UPID so the caller's retry waits for this download.
      if (isProxmoxError(err, "timeout")) throw err;
      this.#downloading.delete(key);
      // Another process may have finished the same file first; then the file is there and all is well.
      if (isProxmoxError(err, "task_failed") && (await this.#exists(target.node, target.storage, volid))) return volid;
      throw err;
    }
    this.#downloading.delete(key);
    return volid;
  }

  async #exists(node: string, storage: string, volid: string): Promise<boolean> {
    try {
      await this.#pve.getVolume(node, storage, volid);
      return true;
    } catch (err) {
      if (isProxmoxError(err, "not_found")) return false;
      throw err;
    }
  }
}

function locationKey(node: string, storage: string, shared: boolean, fileName: string): string {
  return shared ? `*/${storage}/${fileName}` : `${node}/${storage}/${fileName}`;
}
