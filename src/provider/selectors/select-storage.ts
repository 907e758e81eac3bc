/**
 * Picks the storage for one disk / ISO / cidata volume on one node: only enabled, active storages on
 * that node that can hold the content kind are candidates; among those the selector matches, the one
 * with the most free space (after in-flight reservations) wins. Every storage gets a verdict so the
 * caller can explain the choice.
 *
 * The Go provider took the first match in listing order; "most free space" is deliberate: it is
 * stable under listing order and fills storages evenly.
 */
import type { StorageSelectorProgram } from "./compile.ts";
import type { StorageFacts } from "./env.ts";

/** Proxmox content kinds a volume we create needs. */
export type ContentKind = "images" | "iso" | "snippets" | "import";

export interface StorageVerdict {
  readonly storage: string;
  readonly chosen: boolean;
  /** Why it was chosen or rejected, for humans. */
  readonly reason: string;
}

export interface SelectStorageOptions {
  /** The node being placed on; storages of other nodes are ignored. */
  readonly node: string;
  readonly content: ContentKind;
  /** Bytes the volume needs; storages with less free space (after reservations) are rejected. */
  readonly needBytes?: number;
  /** Bytes already promised to in-flight requests on a storage (by storage id). */
  readonly reservedBytes?: (storage: StorageFacts) => number;
}

export type StorageSelection =
  | {
      readonly ok: true;
      readonly storage: StorageFacts;
      readonly freeBytes: number;
      readonly verdicts: readonly StorageVerdict[];
    }
  | { readonly ok: false; readonly verdicts: readonly StorageVerdict[]; readonly message: string };

const GIB = 1024 ** 3;

export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/**
 * Chooses the best storage for `content` on `node` among `candidates` (typically the storages of one
 * /cluster/resources snapshot).
 *
 * @example
 * const { program } = compileStorageSelector('name == "vm_ssd"') as { ok: true; program: StorageSelectorProgram };
 * const pick = selectStorage(program, storages, { node: "foxtrot", content: "images", needBytes: 100 * 1024 ** 3 });
 * if (pick.ok) console.log(pick.storage.storage); else console.log(pick.message);
 */
export function selectStorage(
  program: StorageSelectorProgram,
  candidates: readonly StorageFacts[],
  options: SelectStorageOptions,
): StorageSelection {
  const verdicts: { storage: string; reason: string; candidate?: StorageFacts; free?: number }[] = [];
  for (const storage of candidates) {
    if (storage.node !== options.node) continue;
    const name = storage.storage;
    if (!storage.enabled) {
      verdicts.push({ storage: name, reason: "disabled" });
      continue;
    }
    if (!storage.active) {
      verdicts.push({ storage: name, reason: "not active on this node" });
      continue;
    }
    if (!storage.content.includes(options.content)) {
      verdicts.push({
        storage: name,
        reason: `cannot hold ${options.content} (content: ${storage.content.join(",") || "none"})`,
      });
      continue;
    }
    const evaluation = program.evaluate(storage, options.node);
    if (!evaluation.ok) {
      verdicts.push({ storage: name, reason: evaluation.message });
      continue;
    }
    if (!evaluation.matched) {
      verdicts.push({ storage: name, reason: `selector ${program.expression} is false` });
      continue;
    }
    const free = storage.avail - (options.reservedBytes?.(storage) ?? 0);
    const need = options.needBytes ?? 0;
    if (free < need) {
      verdicts.push({
        storage: name,
        reason: `${formatBytes(free)} free after reservations, ${formatBytes(need)} needed`,
      });
      continue;
    }
    verdicts.push({ storage: name, reason: `matches, ${formatBytes(free)} free`, candidate: storage, free });
  }
  let best: { candidate: StorageFacts; free: number } | undefined;
  for (const v of verdicts) {
    if (v.candidate === undefined || v.free === undefined) continue;
    if (!best || v.free > best.free || (v.free === best.free && v.candidate.storage < best.candidate.storage)) {
      best = { candidate: v.candidate, free: v.free };
    }
  }
  const out: StorageVerdict[] = verdicts.map((v) => ({
    storage: v.storage,
    chosen: best !== undefined && v.candidate === best.candidate,
    reason:
      v.candidate && best && v.candidate !== best.candidate ? `${v.reason}, but another has more free space` : v.reason,
  }));
  if (best) return { ok: true, storage: best.candidate, freeBytes: best.free, verdicts: out };
  const detail = out.length === 0 ? "no storages on this node" : out.map((v) => `${v.storage}: ${v.reason}`).join("; ");
  return {
    ok: false,
    verdicts: out,
    message: `no storage on node ${options.node} for ${options.content} matched ${JSON.stringify(program.expression)} (${detail})`,
  };
}
