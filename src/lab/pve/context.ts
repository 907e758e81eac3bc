import type { AccessControl, Principal } from "./auth.ts";
import type { FaultInjector } from "./faults.ts";
import type { ApiSchema, ParamValue } from "./schema/index.ts";
import type { ClusterState } from "./state.ts";
import type { PveTask, StartTaskOptions, TaskManager } from "./tasks.ts";

/** Everything a handler can reach. */
export interface Simulator {
  state: ClusterState;
  tasks: TaskManager;
  access: AccessControl;
  schema: ApiSchema;
  faults: FaultInjector;
  /** 1 = realistic durations, 0 = instant. */
  timeFactor: number;
  nowSec(): number;
  /** SHA-256 fingerprint of the served certificate (every node presents the same lab certificate). */
  certFingerprint: string;
  /** Records that the model changed (persists it when a data directory is set). */
  changed(): void;
  /** Base duration of a worker type scaled by the time factor. */
  durationMs(type: string): number;
}

/** A file received through multipart upload. */
export interface UploadedFile {
  fileName: string;
  data: Buffer;
}

export interface RequestContext {
  sim: Simulator;
  method: string;
  /** Path without `/api2/json`. */
  path: string;
  /** Path placeholders, query and body merged (validated against the schema). */
  params: Record<string, ParamValue>;
  principal: Principal;
  upload?: UploadedFile;
  /** Set by fault injection: the task this request starts must fail with this text. */
  forcedTaskFailure?: string;
}

export interface HandlerResult {
  data: unknown;
  /** Extra top-level keys next to `data` (`total` for task logs). */
  extra?: Record<string, unknown>;
}

export type Handler = (ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

/** Routes keyed by `METHOD /template` exactly as in the schema. */
export type RouteTable = Record<string, Handler>;

/** Starts a worker for this request (applies an injected task failure) and returns its task. */
export function startTask(
  ctx: RequestContext,
  opts: Omit<StartTaskOptions, "user" | "durationMs"> & { durationMs?: number },
): PveTask {
  return ctx.sim.tasks.start({
    ...opts,
    user: ctx.principal.authId,
    durationMs: opts.durationMs ?? ctx.sim.durationMs(opts.type),
    forcedFailure: ctx.forcedTaskFailure,
  });
}

export function str(params: Record<string, ParamValue>, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (Array.isArray(v)) return v.map(String).join(",");
  return String(v);
}
