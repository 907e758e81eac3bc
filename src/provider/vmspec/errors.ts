/**
 * Errors raised while turning providerdata + placement into a Proxmox VM definition. Callers branch on
 * `code`, never on the message.
 *
 * - `invalid_vm_input`: a value the VM spec cannot express (bad UUID, MAC, tag, volume, too many disks…).
 * - `root_only_option`: an option Proxmox only accepts from a `root@pam` password session, requested
 *   with an identity that cannot set it (every API token, and any other user).
 */
export type VmSpecErrorCode = "invalid_vm_input" | "root_only_option";

export class VmSpecError extends Error {
  readonly code: VmSpecErrorCode;
  /** Providerdata key path or input field, e.g. `pci_devices[0].id` or `placement.node`. */
  readonly field: string;

  constructor(code: VmSpecErrorCode, field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options);
    this.name = "VmSpecError";
    this.code = code;
    this.field = field;
  }
}

export function isVmSpecError(err: unknown, code?: VmSpecErrorCode): err is VmSpecError {
  return err instanceof VmSpecError && (code === undefined || err.code === code);
}
