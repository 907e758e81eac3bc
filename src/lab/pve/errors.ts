/**
 * An error answered the way pveproxy answers it: `status`, the first line of `message` as the reason
 * phrase, and (unless `emptyBody`) a JSON body `{"data":null,"message":…[,"errors":…]}`.
 */
export class PveHttpError extends Error {
  readonly status: number;
  readonly errors: Record<string, string> | undefined;
  /** Errors raised before a handler runs (401, 595/596) have no body, only the reason phrase. */
  readonly emptyBody: boolean;
  constructor(status: number, message: string, opts: { errors?: Record<string, string>; emptyBody?: boolean } = {}) {
    super(message);
    this.name = "PveHttpError";
    this.status = status;
    this.errors = opts.errors;
    this.emptyBody = opts.emptyBody ?? false;
  }
}

/** 400 `Parameter verification failed.` with per-parameter messages. */
export function paramError(errors: Record<string, string>): PveHttpError {
  return new PveHttpError(400, "Parameter verification failed.", { errors });
}

/** A plain `die` in a handler: 500 with the message as reason phrase. */
export function dieError(message: string): PveHttpError {
  return new PveHttpError(500, message);
}

/** 403 `Permission check failed (<path>, <priv>)`. */
export function permissionError(path: string, priv: string): PveHttpError {
  return new PveHttpError(403, `Permission check failed (${path}, ${priv})`);
}

/** The 500 PVE gives for a VM without a config file on that node. */
export function noSuchVm(node: string, vmid: number): PveHttpError {
  return dieError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
}

/** Failure inside a worker: becomes the task's `exitstatus` (`TASK ERROR: <message>`). */
export class TaskFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskFailure";
  }
}
