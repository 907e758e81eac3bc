/**
 * Finding the VM of a request, wherever it is now. Tags narrow the search to candidates in one
 * `/cluster/resources` call; the description marks (exact provider and request ID) confirm each
 * candidate. A VM created by the Go provider carries none of our marks: it is recognised by the VMID in
 * its state plus the SMBIOS UUID it reported.
 */
import { decodeSmbios1, isProxmoxError, type ProxmoxClient, type VmConfig } from "../../proxmox/index.ts";
import { readVmMarks, type VmMarks } from "../vmspec/index.ts";
import { type ClusterView, hasRequestTags, readCluster } from "./cluster.ts";
import { ProvisionError } from "./errors.ts";

export interface LocatedVm {
  readonly vmid: number;
  readonly node: string;
  readonly status: string;
  readonly config: VmConfig;
  /** `marks`: carries our marks for the request; `state`: matched by VMID + SMBIOS UUID (e.g. Go provider state). */
  readonly via: "marks" | "state";
}

export interface LocateInput {
  readonly providerId: string;
  readonly requestId: string;
  /** From the state: a VMID and the UUID the VM should carry (0 / "" when unknown). */
  readonly vmid: number;
  readonly uuid: string;
}

/** The SMBIOS UUID in a VM config, lower-case ("" when absent). */
export function smbiosUuidOf(config: VmConfig): string {
  const raw = config.smbios1;
  if (raw === undefined) return "";
  return (decodeSmbios1(String(raw)).uuid ?? "").toLowerCase();
}

/**
 * Every VM of the request (normally zero or one; more only if something went badly wrong, and then
 * deprovision removes them all).
 *
 * @example
 * const [vm] = await locateRequestVms(pve, { providerId, requestId, vmid: state.vmid, uuid: state.uuid });
 */
export async function locateRequestVms(
  pve: ProxmoxClient,
  input: LocateInput,
  view?: ClusterView,
): Promise<LocatedVm[]> {
  const cluster = view ?? (await readCluster(pve));
  const found: LocatedVm[] = [];
  for (const vm of cluster.vms) {
    const byTags = hasRequestTags(vm, input.providerId, input.requestId);
    const byState = input.vmid !== 0 && vm.vmid === input.vmid;
    if (!byTags && !byState) continue;
    const config = await readConfig(pve, vm.node, vm.vmid);
    if (!config) continue;
    const marks = vmMarksOf(config);
    if (marks.providerId === input.providerId && marks.requestId === input.requestId) {
      found.push({ vmid: vm.vmid, node: vm.node, status: vm.status, config, via: "marks" });
    } else if (
      byState &&
      marks.requestId === undefined &&
      input.uuid !== "" &&
      smbiosUuidOf(config) === input.uuid.toLowerCase()
    ) {
      found.push({ vmid: vm.vmid, node: vm.node, status: vm.status, config, via: "state" });
    }
  }
  return found;
}

/** The marks a VM's config carries (description lines, tags as the fallback). */
export function vmMarksOf(config: VmConfig): VmMarks {
  return readVmMarks({
    ...(config.description !== undefined ? { description: String(config.description) } : {}),
    ...(config.tags !== undefined ? { tags: String(config.tags) } : {}),
  });
}

/** A VM's config, or undefined when it vanished between listing and reading. */
export async function readConfig(pve: ProxmoxClient, node: string, vmid: number): Promise<VmConfig | undefined> {
  try {
    return await pve.getVmConfig(node, vmid);
  } catch (err) {
    if (isProxmoxError(err, "not_found")) return undefined;
    throw err;
  }
}

/**
 * The VM a request created, wherever it runs now (it may have migrated), or a `vm_missing` error when it
 * is gone: steps after `create` never re-create a VM behind the operator's back.
 */
export async function requireRequestVm(pve: ProxmoxClient, input: LocateInput): Promise<LocatedVm | ProvisionError> {
  const [vm] = await locateRequestVms(pve, input);
  return (
    vm ??
    new ProvisionError(
      "vm_missing",
      `VM ${input.vmid} of request ${input.requestId} is gone (deleted out of band?); delete the machine request to replace it`,
    )
  );
}
