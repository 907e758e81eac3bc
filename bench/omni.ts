/**
 * Omni simulator + client over gRPC/TLS (src/lab/omni + src/omni): signed Get and Update calls per
 * second, watch event throughput, and — separately — the cost of signing one call (openpgp ed25519
 * detached signature over the siderov1 payload), which every unary call and every watch open pays.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OmniSimulator, startOmniSimulator } from "../src/lab/omni/index.ts";
import {
  createOmniTransport,
  LABEL_INFRA_PROVIDER_ID,
  MachineRequestStatuses,
  type OmniTransport,
  parseServiceAccountKey,
  provisionControllerName,
  type Resource,
  StateClient,
  signPayload,
  signRequestHeaders,
} from "../src/omni/index.ts";
import { memoryDelta, memoryNow, msSince, rateFigure, timeAsync } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome, Figure } from "./lib/types.ts";

const PROVIDER_ID = "proxmox";

type Status = ReturnType<typeof MachineRequestStatuses.empty>;

/** Receives `count` watch events after `produce` starts; returns events/s from first write to last event. */
async function watchThroughput(
  state: StateClient,
  omni: OmniSimulator,
  count: number,
  aggregated: boolean,
  tag: string,
  timeoutMs: number,
): Promise<{ eventsPerSec: number; received: number; ms: number }> {
  const ctrl = new AbortController();
  const iterator = state
    .watch(MachineRequestStatuses, { bootstrapBookmark: true, aggregated, idRegexp: `^${tag}-` }, ctrl.signal)
    [Symbol.asyncIterator]();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const first = await iterator.next();
    if (first.done) throw new Error("watch ended before its bookmark");
    const start = process.hrtime.bigint();
    // Omni-side writes (in-process admin, no wire) so the figure is about event delivery.
    const writer = (async () => {
      for (let i = 0; i < count; i++) {
        omni.admin.create({
          namespace: MachineRequestStatuses.namespace,
          type: MachineRequestStatuses.type,
          id: `${tag}-${i}`,
          labels: { [LABEL_INFRA_PROVIDER_ID]: PROVIDER_ID },
          protoSpec: new Uint8Array(),
        });
        if (i % 100 === 99) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    let received = 0;
    while (received < count) {
      const next = await iterator.next();
      if (next.done) break;
      if (next.value.type === "created") received++;
      else if (next.value.type === "errored") throw new Error(`watch errored: ${next.value.error ?? "no reason"}`);
    }
    await writer;
    const ms = msSince(start);
    return { eventsPerSec: (received * 1000) / ms, received, ms };
  } finally {
    clearTimeout(timer);
    ctrl.abort();
    await iterator.return?.();
  }
}

export const omniBenchmark: Benchmark = {
  name: "omni",
  title: "Omni simulator + client over gRPC/TLS: signed Get/Update, watch events, signing cost",
  budgetMs: { full: 15_000, quick: 2_000 },
  async run(ctx): Promise<BenchOutcome> {
    const dataDir = mkdtempSync(join(tmpdir(), "omni-bench-"));
    let omni: OmniSimulator | undefined;
    let transport: OmniTransport | undefined;
    try {
      omni = await startOmniSimulator({ tls: true, dataDir, eventBuffer: 100_000 });
      omni.registerProvider(PROVIDER_ID);
      const key = await parseServiceAccountKey(await omni.mintProviderKey(PROVIDER_ID));
      transport = createOmniTransport({ endpoint: omni.url, key, ...(omni.caFile ? { caFile: omni.caFile } : {}) });
      const state = new StateClient(transport, key.providerId);
      const owner = provisionControllerName(PROVIDER_ID);
      const slice = ctx.budgetMs / 6;
      const before = memoryNow();

      const payload =
        '{"headers":{"authorization":null,"x-sidero-timestamp":["1767225600"]},"method":"/cosi.resource.State/Get"}';
      const sign = await timeAsync(() => signPayload(key, payload), {
        maxOps: ctx.quick ? 300 : 3_000,
        budgetMs: slice,
      });
      const signHeaders = await timeAsync(
        () => signRequestHeaders(key, "/cosi.resource.State/Update", new Headers({ namespace: "infra-provider" })),
        { maxOps: ctx.quick ? 300 : 3_000, budgetMs: slice / 2 },
      );

      const writers = 8;
      const resources: Resource<Status>[] = [];
      for (let i = 0; i < writers; i++) {
        const spec = { ...MachineRequestStatuses.empty(), status: "bench" };
        resources.push(await state.create(MachineRequestStatuses, { metadata: { id: `bench-${i}` }, spec }, { owner }));
      }
      const get1 = await timeAsync((i) => state.get(MachineRequestStatuses, `bench-${i % writers}`), {
        maxOps: ctx.quick ? 300 : 3_000,
        budgetMs: slice,
      });
      const get8 = await timeAsync((i) => state.get(MachineRequestStatuses, `bench-${i % writers}`), {
        maxOps: ctx.quick ? 600 : 6_000,
        budgetMs: slice,
        concurrency: 8,
      });
      // Each in-flight slot owns one resource and chains its versions, so no update conflicts.
      let slot = 0;
      const update = await timeAsync(
        async () => {
          const k = slot++ % writers;
          const current = resources[k] as Resource<Status>;
          current.spec.status = `bench ${slot}`;
          resources[k] = await state.update(MachineRequestStatuses, current, { owner });
        },
        { maxOps: ctx.quick ? 300 : 3_000, budgetMs: slice, warmup: 0 },
      );
      const events = ctx.quick ? 500 : 5_000;
      const plain = await watchThroughput(state, omni, events, false, "w", slice * 2);
      const aggregated = await watchThroughput(state, omni, events, true, "wa", slice * 2);
      const memory = memoryDelta(before);

      const watchFigure = (name: string, r: typeof plain, note: string): Figure => ({
        name,
        value: r.eventsPerSec,
        unit: "events/s",
        samples: r.received,
        note: `${note}; ${r.received} created events in ${r.ms.toFixed(0)} ms`,
      });
      return {
        status: "ok",
        figures: [
          rateFigure("sign.payload", sign, "openpgp ed25519 detached signature only"),
          rateFigure("sign.headers", signHeaders, "payload JSON + signature + headers (per call)"),
          rateFigure("get.c1", get1, "signed State.Get, 1 in flight"),
          rateFigure("get.c8", get8, "signed State.Get, 8 in flight"),
          rateFigure("update.c1", update, "signed State.Update, 1 in flight"),
          watchFigure("watch.plain", plain, "kind watch"),
          watchFigure("watch.aggregated", aggregated, "aggregated kind watch"),
          { name: "heap-delta", value: memory.heapMB, unit: "MB", note: "after GC, simulator + client, whole load" },
          { name: "rss-delta", value: memory.rssMB, unit: "MB", note: "after GC" },
        ],
      };
    } finally {
      transport?.close();
      await omni?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
