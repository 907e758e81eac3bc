/**
 * The doctor's Omni connection: the key parsed without the expiry gate (so an expired key still shows
 * whose it is), a transport that records the server's `date` header for the clock-skew check, and a
 * state client. Only reads.
 */
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  createOmniTransport,
  type OmniTransport,
  parseServiceAccountKey,
  type ServiceAccountKey,
  StateClient,
} from "../../omni/index.ts";
import type { OmniTarget } from "../target.ts";

export interface OmniSession {
  readonly key: ServiceAccountKey;
  readonly state: StateClient;
  /** Server clock readings (ms since epoch, from `date` headers), with the local time they arrived. */
  readonly serverDates: { server: number; local: number }[];
  close(): void;
}

/** Parses the key as of the epoch: expiry is judged by the `omni.key` check, not here. */
export function parseKeyIgnoringExpiry(text: string): Promise<ServiceAccountKey> {
  return parseServiceAccountKey(text, new Date(0));
}

/**
 * @example
 * const session = await openOmniSession(target.omni);
 * await session.state.get(SiderolinkAPIConfigs, SIDEROLINK_CONFIG_ID);
 * session.close();
 */
export async function openOmniSession(omni: OmniTarget, now: () => Date = () => new Date()): Promise<OmniSession> {
  const key = await parseKeyIgnoringExpiry(omni.serviceAccountKey);
  const serverDates: { server: number; local: number }[] = [];
  const record = (header: string | null) => {
    const date = Date.parse(header ?? "");
    if (Number.isFinite(date)) serverDates.push({ server: date, local: now().getTime() });
  };
  // Rejected calls carry the server's date too: that is how a skewed clock is told from a bad key.
  const recordDate: Interceptor = (next) => async (req) => {
    try {
      const res = await next(req);
      record(res.header.get("date"));
      return res;
    } catch (err) {
      if (err instanceof ConnectError) record(err.metadata.get("date"));
      throw err;
    }
  };
  const transport: OmniTransport = createOmniTransport({
    endpoint: omni.endpoint,
    key,
    ...(omni.caFile ? { caFile: omni.caFile } : {}),
    ...(omni.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    interceptors: [recordDate],
    clock: now,
  });
  return { key, state: new StateClient(transport, key.providerId), serverDates, close: () => transport.close() };
}
