/**
 * The marks that identify a VM as ours: its name, its tags and a few lines of its description. A
 * restarted provider adopts a VM carrying the request's marks instead of creating another one, and
 * deprovision / garbage collection only ever touch VMs that carry our provider's marks.
 */
import { VmSpecError } from "./errors.ts";

/** Tag on every VM this software creates, whatever provider instance created it. */
export const MANAGED_TAG = "omni-proxmox";
/** Prefix of the tag naming the provider ID (`omni-provider.<id>`). */
export const PROVIDER_TAG_PREFIX = "omni-provider.";
/** Prefix of the tag naming the machine request (`omni-request.<id>`), lower-cased as Proxmox stores it. */
export const REQUEST_TAG_PREFIX = "omni-request.";

const DESCRIPTION_KEYS = {
  providerId: "omni-proxmox.provider-id",
  requestId: "omni-proxmox.request-id",
  machineUuid: "omni-proxmox.machine-uuid",
} as const;

/** The `pve-tag` rule: Proxmox refuses other tags (and lower-cases them on store). */
const TAG = /^[a-z0-9_][a-z0-9_+.-]*$/i;
const DNS_LABEL_MAX = 63;
const DNS_NAME_MAX = 253;

export interface VmMarksInput {
  readonly providerId: string;
  readonly requestId: string;
  readonly machineUuid: string;
}

export interface VmMarks {
  readonly providerId?: string;
  readonly requestId?: string;
  readonly machineUuid?: string;
}

/**
 * The VM name for a request ID: a valid `dns-name` (letters, digits, `-` in dot-separated labels of at
 * most 63 characters). Omni request IDs already are; anything else is replaced by `-`.
 *
 * @example
 * vmNameFor("talos-prod-01-workers-x7k2p"); // "talos-prod-01-workers-x7k2p"
 * vmNameFor("odd_id"); // "odd-id"
 */
export function vmNameFor(requestId: string): string {
  const labels = requestId
    .replace(/[^A-Za-z0-9.-]/g, "-")
    .split(".")
    .map((label) => label.slice(0, DNS_LABEL_MAX).replace(/^-+|-+$/g, ""))
    .filter((label) => label !== "");
  const name = labels
    .join(".")
    .slice(0, DNS_NAME_MAX)
    .replace(/[.-]+$/, "");
  if (name === "") {
    throw new VmSpecError("invalid_vm_input", "requestId", `"${requestId}" yields no usable VM name`);
  }
  return name;
}

/** Lower-cases a value and replaces characters outside the tag charset, for use after a tag prefix. */
export function tagSafe(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_+.-]/g, "_");
}

/** The marker tags of one VM, lower-case as Proxmox stores them. */
export function markTags(providerId: string, requestId: string): string[] {
  return [MANAGED_TAG, `${PROVIDER_TAG_PREFIX}${tagSafe(providerId)}`, `${REQUEST_TAG_PREFIX}${tagSafe(requestId)}`];
}

/**
 * Our marks plus the user's `tags`, validated against the `pve-tag` rule, lower-cased, de-duplicated
 * and sorted — the form Proxmox stores, so what we send is what we read back.
 */
export function vmTags(marks: VmMarksInput, userTags: readonly string[] = []): string[] {
  userTags.forEach((tag, index) => {
    if (!TAG.test(tag)) {
      throw new VmSpecError(
        "invalid_vm_input",
        `tags[${index}]`,
        `"${tag}" is not a Proxmox tag; start with a letter, digit or _ and use only letters, digits, _ + . -`,
      );
    }
  });
  const all = [...markTags(marks.providerId, marks.requestId), ...userTags.map((tag) => tag.toLowerCase())];
  return [...new Set(all)].sort();
}

/** The VM description: one line for humans, then `key: value` lines we read back on adoption. */
export function vmDescription(marks: VmMarksInput, extra?: string): string {
  const lines = [
    "Talos VM managed by omni-proxmox for Sidero Omni. Keep the omni-proxmox.* lines: they identify the machine.",
    `${DESCRIPTION_KEYS.providerId}: ${marks.providerId}`,
    `${DESCRIPTION_KEYS.requestId}: ${marks.requestId}`,
    `${DESCRIPTION_KEYS.machineUuid}: ${marks.machineUuid}`,
  ];
  if (extra !== undefined && extra.trim() !== "") lines.push("", extra.trim());
  return lines.join("\n");
}

/**
 * Reads our marks back from a VM's description (authoritative, exact case) and tags (fallback,
 * lower-case). Fields without a mark are absent.
 *
 * @example
 * readVmMarks({ description: cfg.description, tags: cfg.tags }).requestId === request.id
 */
export function readVmMarks(vm: { readonly description?: string; readonly tags?: string }): VmMarks {
  const found: { providerId?: string; requestId?: string; machineUuid?: string } = {};
  for (const line of (vm.description ?? "").split(/\r?\n/)) {
    for (const [field, key] of Object.entries(DESCRIPTION_KEYS) as Array<[keyof VmMarks, string]>) {
      if (line.startsWith(`${key}:`)) found[field] = line.slice(key.length + 1).trim();
    }
  }
  const tags = (vm.tags ?? "").split(/[;, ]+/).filter((tag) => tag !== "");
  for (const tag of tags) {
    const lower = tag.toLowerCase();
    if (found.requestId === undefined && lower.startsWith(REQUEST_TAG_PREFIX)) {
      found.requestId = lower.slice(REQUEST_TAG_PREFIX.length);
    }
    if (found.providerId === undefined && lower.startsWith(PROVIDER_TAG_PREFIX)) {
      found.providerId = lower.slice(PROVIDER_TAG_PREFIX.length);
    }
  }
  return found;
}
