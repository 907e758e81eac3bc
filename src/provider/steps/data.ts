/** providerdata of the request being provisioned, parsed and typed (every step re-reads it: parsing is cheap). */

import type { VmidRange } from "../../proxmox/index.ts";
import { type ProviderData, ProviderDataError, parseProviderData, parseVmidRange } from "../providerdata/index.ts";
import { ProvisionError } from "./errors.ts";

/**
 * @example
 * const data = providerDataOf(ctx.providerData); // throws ProvisionError("invalid_provider_data")
 */
export function providerDataOf(text: string): ProviderData {
  const result = parseProviderData(text);
  if (result.ok) return result.data;
  const error = new ProviderDataError(result.errors);
  throw new ProvisionError("invalid_provider_data", error.message, { cause: error });
}

/** The request's `vmid_range` as an allocator range, when set. */
export function vmidRangeOf(data: ProviderData): VmidRange | undefined {
  if (data.vmid_range === undefined) return undefined;
  const r = parseVmidRange(data.vmid_range);
  return r ? { min: r.start, max: r.end } : undefined;
}
