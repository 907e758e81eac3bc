/**
 * Rules across keys, run after the schema accepted the shape: CEL selectors compile and type-check,
 * `node` and `node_selector` are not both set, static networking is coherent, and options Proxmox
 * only takes from root@pam with a password are flagged before they fail late with a 500.
 */
import { compileNodeSelector, compileStorageSelector } from "../selectors/index.ts";
import { issue, type ProviderDataIssue } from "./issues.ts";
import { checkNetworking } from "./network.ts";
import type { ProviderData } from "./schema.ts";

/** Keys whose Proxmox options API tokens may not set (behaviour.md §14). */
export const ROOT_PASSWORD_ONLY_KEYS = ["hugepages"] as const;

function selectorIssue(path: string, expression: string, kind: "storage" | "node"): ProviderDataIssue | undefined {
  const compiled = kind === "storage" ? compileStorageSelector(expression) : compileNodeSelector(expression);
  if (compiled.ok) return undefined;
  const { error } = compiled;
  return issue(
    "invalid_selector",
    path,
    expression,
    `is not a valid ${kind} selector (${error.problem})`,
    error.fix || "fix the CEL expression",
  );
}

/**
 * Compiles every CEL selector present. Works on the raw document too (strings only), so selector
 * mistakes are reported together with shape errors.
 */
export function selectorIssues(doc: Readonly<Record<string, unknown>>): ProviderDataIssue[] {
  const found: ProviderDataIssue[] = [];
  const check = (path: string, value: unknown, kind: "storage" | "node") => {
    if (typeof value !== "string") return;
    const bad = selectorIssue(path, value, kind);
    if (bad) found.push(bad);
  };
  check("storage_selector", doc.storage_selector, "storage");
  if (Array.isArray(doc.additional_disks)) {
    doc.additional_disks.forEach((disk: unknown, i) => {
      if (disk !== null && typeof disk === "object")
        check(`additional_disks[${i}].storage_selector`, (disk as Record<string, unknown>).storage_selector, "storage");
    });
  }
  check("iso_storage_selector", doc.iso_storage_selector, "storage");
  check("cidata_storage_selector", doc.cidata_storage_selector, "storage");
  check("node_selector", doc.node_selector, "node");
  return found;
}

export function checkRules(data: ProviderData): { errors: ProviderDataIssue[]; warnings: ProviderDataIssue[] } {
  const errors: ProviderDataIssue[] = [];
  const warnings: ProviderDataIssue[] = [];
  errors.push(...selectorIssues(data));

  if (data.node !== undefined && data.node_selector !== undefined) {
    errors.push(
      issue(
        "conflict",
        "node_selector",
        data.node_selector,
        `is set together with node ${JSON.stringify(data.node)}`,
        "pin with node, or choose among nodes with node_selector, not both",
      ),
    );
  }

  if (data.ha?.node_affinity_strict === true && data.ha.node_affinity_nodes === undefined) {
    errors.push(
      issue(
        "missing",
        "ha.node_affinity_nodes",
        undefined,
        "is required by ha.node_affinity_strict",
        "list the nodes the VMs may run on, e.g. [pve1, pve2]",
      ),
    );
  }

  const seenMappings = new Set<string>();
  data.pci_devices.forEach((dev, i) => {
    if (seenMappings.has(dev.mapping) && dev.mdev === undefined) {
      warnings.push(
        issue(
          "conflict",
          `pci_devices[${i}].mapping`,
          dev.mapping,
          "is listed twice; each entry takes one device of the mapping",
          "make sure the mapping has enough devices on the node",
        ),
      );
    }
    seenMappings.add(dev.mapping);
  });

  if (data.hugepages !== undefined) {
    warnings.push(
      issue(
        "needs_root_password",
        "hugepages",
        data.hugepages,
        "is only accepted by Proxmox from root@pam with password authentication (API tokens get a 500)",
        "configure the provider with username/password for root@pam, or remove hugepages",
      ),
    );
  }

  const net = checkNetworking(data);
  errors.push(...net.errors);
  warnings.push(...net.warnings);
  return { errors, warnings };
}
