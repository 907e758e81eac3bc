/**
 * Options Proxmox accepts only from a `root@pam` password session (behaviour.md §14): with an API token
 * — even one of root@pam — the create call fails late with HTTP 500 `only root can set '<key>' config`.
 * We report them at validation instead, naming the key and the way out.
 */
import { VmSpecError } from "./errors.ts";
import type { ApiIdentity, VmProviderData } from "./types.ts";

/** True when Proxmox lets this identity set root-only options. */
export function canSetRootOnlyOptions(identity: ApiIdentity): boolean {
  return identity.kind === "password" && identity.user === "root@pam";
}

function who(identity: ApiIdentity): string {
  return identity.kind === "token"
    ? `API token ${identity.tokenId} (Proxmox refuses this to every token, even root@pam's)`
    : `user ${identity.user} (only root@pam may)`;
}

/**
 * Lists every option in `data` the identity may not set, as `root_only_option` errors; empty when the
 * VM can be created as configured. Raised by the validate step, long before the create call.
 *
 * @example
 * explainRootOnlyOptions({ ...data, hugepages: "1024" }, { kind: "token", tokenId: "omni@pve!prov" });
 * // [VmSpecError root_only_option "hugepages: …"]
 */
export function explainRootOnlyOptions(data: VmProviderData, identity: ApiIdentity): VmSpecError[] {
  if (canSetRootOnlyOptions(identity)) return [];
  const errors: VmSpecError[] = [];
  const refuse = (field: string, what: string, fix: string) =>
    errors.push(
      new VmSpecError(
        "root_only_option",
        field,
        `${what} can only be set by root@pam with a password, not by ${who(identity)}; ${fix}`,
      ),
    );

  if (data.hugepages !== undefined) {
    refuse(
      "hugepages",
      `hugepages "${data.hugepages}"`,
      "remove hugepages or configure the provider with root@pam username/password",
    );
  }
  // Keys the Go provider never had but Proxmox guards the same way; reject them if they ever appear.
  const loose = data as unknown as Readonly<Record<string, unknown>>;
  for (const key of ["keephugepages", "args", "affinity"] as const) {
    if (loose[key] !== undefined)
      refuse(key, key, `remove ${key} or configure the provider with root@pam username/password`);
  }
  (data.pci_devices ?? []).forEach((device, index) => {
    if (device.mapping === undefined && device.id !== undefined) {
      refuse(
        `pci_devices[${index}].id`,
        `raw PCI device "${device.id}"`,
        "create a PCI resource mapping in Datacenter → Resource Mappings and use `mapping: <name>` instead",
      );
    }
  });
  (data.usb_devices ?? []).forEach((device, index) => {
    const isSpice = device.host?.toLowerCase() === "spice";
    if (device.mapping === undefined && device.host !== undefined && !isSpice) {
      refuse(
        `usb_devices[${index}].host`,
        `raw USB device "${device.host}"`,
        "create a USB resource mapping in Datacenter → Resource Mappings and use `mapping: <name>` instead",
      );
    }
  });
  return errors;
}
