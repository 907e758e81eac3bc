import type { Transport } from "@connectrpc/connect";

/** Default deadline of a unary call: a call in flight when Omni restarts must not wait forever. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Default deadline of a finite server stream (List): generous, since a big listing streams for a while. */
export const DEFAULT_STREAM_TIMEOUT_MS = 5 * 60_000;

/** Long-lived streams that stay open until the caller aborts them: never given a default deadline. */
const OPEN_ENDED_STREAMS: ReadonlySet<string> = new Set(["cosi.resource.State/Watch"]);

export interface CallDeadlines {
  /** Deadline of every unary call without its own; 0 disables it. */
  callTimeoutMs: number;
  /** Deadline of finite server streams (List) without their own; 0 disables it. Watch never gets one. */
  streamTimeoutMs: number;
}

/** Connect takes `undefined` (or ≤ 0) as "no deadline". */
function orDefault(explicit: number | undefined, fallback: number): number | undefined {
  if (explicit !== undefined) return explicit;
  return fallback > 0 ? fallback : undefined;
}

/**
 * Wraps a transport so calls that bring no deadline of their own get one: unary calls `callTimeoutMs`, finite
 * streams `streamTimeoutMs`, Watch none. An expired deadline fails the call with gRPC DEADLINE_EXCEEDED, which
 * `toOmniError` maps to code `unavailable` (retryable), keeping `grpcCode: "DeadlineExceeded"` for diagnosis.
 * (connect-node's own `defaultTimeoutMs` would also cut Watch streams, hence this wrapper.)
 *
 * @example
 * const bounded = withDefaultDeadlines(transport, { callTimeoutMs: 30_000, streamTimeoutMs: 300_000 });
 */
export function withDefaultDeadlines(transport: Transport, deadlines: CallDeadlines): Transport {
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, orDefault(timeoutMs, deadlines.callTimeoutMs), header, input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) => {
      const openEnded = OPEN_ENDED_STREAMS.has(`${method.parent.typeName}/${method.name}`);
      return transport.stream(
        method,
        signal,
        openEnded ? timeoutMs : orDefault(timeoutMs, deadlines.streamTimeoutMs),
        header,
        input,
        contextValues,
      );
    },
  };
}
