/**
 * Errors the provisioning steps raise. Callers (the runtime, tests) branch on `code`; the message is
 * what MachineRequestStatus shows: it names the field or object, the value and the fix.
 *
 * - `invalid_provider_data`: providerdata does not parse or validate.
 * - `root_only_option`: an option Proxmox only accepts from a root@pam password session.
 * - `placement_failed`: no node can take the VM (the message carries every node's reason).
 * - `image_failed`: the Talos ISO could not be put into the ISO storage.
 * - `create_failed`: the VM could not be created.
 * - `vm_missing`: the VM this request created is gone (deleted out of band).
 * - `cidata_failed`: the NoCloud image could not be uploaded or attached.
 * - `start_failed`: the VM did not start.
 * - `ha_failed`: the HA configuration the class asks for cannot be applied (e.g. a rule in `ha.rules` is missing).
 */
export type ProvisionErrorCode =
  | "invalid_provider_data"
  | "root_only_option"
  | "placement_failed"
  | "image_failed"
  | "create_failed"
  | "vm_missing"
  | "cidata_failed"
  | "start_failed"
  | "ha_failed";

export class ProvisionError extends Error {
  readonly code: ProvisionErrorCode;

  constructor(code: ProvisionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProvisionError";
    this.code = code;
  }
}

export function isProvisionError(err: unknown, code?: ProvisionErrorCode): err is ProvisionError {
  return err instanceof ProvisionError && (code === undefined || err.code === code);
}
