/**
 * Typed placement failures (CAPMOX style): callers branch on `code`; `rejections` carries the reason
 * for every node so the status text can say exactly why nothing fits.
 *
 * - `unknown_pinned_node`: `node` names a node the cluster does not have.
 * - `offline_pinned_node`: `node` names a node that is not online.
 * - `selector_matched_nothing`: `node_selector` is false for every node.
 * - `invalid_selector`: a selector does not compile (validation should have caught it).
 * - `insufficient_memory`: every otherwise eligible node lacks committed memory.
 * - `no_node_fits`: nodes were rejected for mixed reasons (offline, CPU, storage, memory…).
 */
import type { NodeRejection } from "./types.ts";

export type PlacementErrorCode =
  | "unknown_pinned_node"
  | "offline_pinned_node"
  | "selector_matched_nothing"
  | "invalid_selector"
  | "insufficient_memory"
  | "no_node_fits";

export class PlacementError extends Error {
  readonly code: PlacementErrorCode;
  readonly rejections: readonly NodeRejection[];

  constructor(
    code: PlacementErrorCode,
    message: string,
    rejections: readonly NodeRejection[] = [],
    options?: { cause?: unknown },
  ) {
    const detail = rejections.length > 0 ? ` (${rejections.map((r) => `${r.node}: ${r.reason}`).join("; ")})` : "";
    super(`${message}${detail}`, options);
    this.name = "PlacementError";
    this.code = code;
    this.rejections = rejections;
  }
}

export function isPlacementError(err: unknown, code?: PlacementErrorCode): err is PlacementError {
  return err instanceof PlacementError && (code === undefined || err.code === code);
}
