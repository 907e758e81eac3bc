/**
 * The service-account key and the request signatures never show up in logs or error messages, whatever fails:
 * server errors, authentication failures, dropped watches, refused keys.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Interceptor } from "@connectrpc/connect";
import { createLogger } from "../../src/observability/logger.ts";
import {
  createOmniTransport,
  isOmniError,
  MachineRequestStatuses,
  parseServiceAccountKey,
  provisionControllerName,
  StateClient,
} from "../../src/omni/index.ts";
import { generateServiceAccountKey } from "../../src/omni/keygen.ts";
import { type Harness, nextWithin, startHarness } from "./harness.ts";

describe("secrets stay out of logs and errors", () => {
  let h: Harness;
  const lines: string[] = [];
  const signatures: string[] = [];
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => lines.push(line) } });
  /** Captures what the signing interceptor (which runs after this one) put on each request. */
  const recordSignatures: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } finally {
      const value = req.header.get("x-sidero-signature");
      if (value) signatures.push(value.split(" ")[3] ?? "");
    }
  };

  before(async () => {
    h = await startHarness({ tls: false });
  });
  after(async () => {
    await h.close();
  });

  it("holds for failing calls, authentication failures, watch resumes and refused keys", async () => {
    const { state } = h.connect({ interceptors: [recordSignatures], logger });
    const owner = provisionControllerName("proxmox");
    const errors: unknown[] = [];
    const capture = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        errors.push(e);
        logger.error({ err: e }, "call failed");
      }
    };

    await capture(state.get(MachineRequestStatuses, "missing"));
    const spec = MachineRequestStatuses.empty();
    const created = await state.create(MachineRequestStatuses, { metadata: { id: "s-1" }, spec }, { owner });
    await capture(state.create(MachineRequestStatuses, { metadata: { id: "s-1" }, spec }, { owner }));
    await capture(
      state.update(MachineRequestStatuses, { ...created, metadata: { ...created.metadata, version: "9" } }, { owner }),
    );

    // A key Omni never registered: the server answers UNAUTHENTICATED.
    const stranger = await parseServiceAccountKey((await generateServiceAccountKey({ providerId: "proxmox" })).text);
    const strangerTransport = createOmniTransport({
      endpoint: h.omni.url,
      key: stranger,
      interceptors: [recordSignatures],
    });
    await capture(new StateClient(strangerTransport, "proxmox").get(MachineRequestStatuses, "s-1"));
    strangerTransport.close();
    assert.ok(errors.some((e) => isOmniError(e, "unauthenticated")));

    // A watch that drops and resumes logs its reconnect.
    const ctrl = new AbortController();
    const it = state.watch(MachineRequestStatuses, { bootstrapBookmark: true }, ctrl.signal)[Symbol.asyncIterator]();
    await nextWithin(it);
    await h.omni.restart();
    await state.create(MachineRequestStatuses, { metadata: { id: "s-2" }, spec }, { owner });
    assert.equal((await nextWithin(it)).resource?.metadata.id, "s-2");
    ctrl.abort();
    assert.ok(
      lines.some((l) => l.includes("resuming")),
      "the resume was logged (so the stream really dropped)",
    );

    // Refused keys.
    const expired = await generateServiceAccountKey({ providerId: "x", ttlSeconds: 1, created: new Date(0) });
    await capture(parseServiceAccountKey(expired.text));
    await capture(parseServiceAccountKey(`${h.keyText.slice(0, -4)}!!!!`));

    assert.ok(errors.length >= 6);
    assert.ok(signatures.length >= 5);
    const armored = (JSON.parse(Buffer.from(h.keyText, "base64").toString()) as { pgp_key: string }).pgp_key;
    const keyLines = armored.split("\n").filter((l) => l.length > 20);
    const expiredArmored = (JSON.parse(Buffer.from(expired.text, "base64").toString()) as { pgp_key: string }).pgp_key;
    const forbidden = [
      h.keyText,
      expired.text,
      ...keyLines,
      ...expiredArmored.split("\n").filter((l) => l.length > 20),
      ...signatures,
    ];
    const texts = [
      ...lines,
      ...errors.flatMap((e) => {
        const err = e as Error & { serverMessage?: string };
        return [err.message, String(err), err.stack ?? "", err.serverMessage ?? ""];
      }),
    ];
    for (const text of texts) {
      for (const secret of forbidden) {
        assert.ok(!text.includes(secret), `secret material leaked into: ${text.slice(0, 120)}`);
      }
    }
  });
});
