/** Default call deadlines: unary calls and List streams are bounded, Watch streams are not. */
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { State } from "../../src/omni/gen/v1alpha1/state_pb.js";
import {
  createOmniTransport,
  isOmniError,
  MachineRequestStatuses,
  MachineRequests,
  type OmniTransport,
  parseServiceAccountKey,
  StateClient,
} from "../../src/omni/index.ts";
import { generateServiceAccountKey } from "../../src/omni/keygen.ts";

/** An HTTP/2 server that accepts every call and never answers, recording the deadline each call carried. */
describe("default deadlines against an Omni that never answers", () => {
  const sessions = new Set<http2.ServerHttp2Session>();
  const seen: { path: string; timeout: string | undefined }[] = [];
  const server = http2.createServer();
  let transport: OmniTransport;
  let state: StateClient;
  before(async () => {
    server.on("session", (s) => {
      sessions.add(s);
      s.once("close", () => sessions.delete(s));
    });
    server.on("stream", (stream, headers) => {
      seen.push({ path: String(headers[":path"]), timeout: headers["grpc-timeout"] as string | undefined });
      stream.on("error", () => {}); // the client resets the stream when its deadline passes
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const generated = await generateServiceAccountKey({ providerId: "proxmox", ttlSeconds: 3600 });
    const key = await parseServiceAccountKey(generated.text);
    transport = createOmniTransport({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key,
      callTimeoutMs: 300,
      streamTimeoutMs: 400,
    });
    state = new StateClient(transport, "proxmox", {
      watchRetry: { initialMs: 5, maxIntervalMs: 50, maxElapsedMs: 60_000 },
    });
  });
  after(async () => {
    transport.close();
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("rejects a unary call with code unavailable (DEADLINE_EXCEEDED) once its deadline passes", async () => {
    const started = performance.now();
    await assert.rejects(
      state.get(MachineRequestStatuses, "never"),
      (e) => isOmniError(e, "unavailable") && e.grpcCode === "DeadlineExceeded",
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250, `rejected only after the deadline (${elapsed} ms)`);
    assert.ok(elapsed < 10_000, `rejected near the deadline, not hanging (${elapsed} ms)`);
    assert.equal(seen.find((s) => s.path.endsWith("/Get"))?.timeout, "300m");
  });

  it("bounds List streams with the stream deadline", async () => {
    await assert.rejects(
      state.list(MachineRequestStatuses),
      (e) => isOmniError(e, "unavailable") && e.grpcCode === "DeadlineExceeded",
    );
    assert.equal(seen.find((s) => s.path.endsWith("/List"))?.timeout, "400m");
  });

  it("leaves Watch streams open-ended", async () => {
    const abort = new AbortController();
    const events = state.watch(MachineRequests, {}, abort.signal)[Symbol.asyncIterator]();
    const pending = events.next();
    await new Promise<void>((resolve) => {
      const check = () => (seen.some((s) => s.path.endsWith("/Watch")) ? resolve() : setImmediate(check));
      check();
    });
    abort.abort();
    await pending;
    const watch = seen.find((s) => s.path.endsWith("/Watch"));
    assert.equal(watch?.timeout, undefined, "no grpc-timeout on Watch");
  });

  it("honours an explicit per-call deadline over the default", async () => {
    await assert.rejects(transport.unary(State.method.get, undefined, 50, undefined, {}), /deadline_exceeded/);
    assert.equal(seen.filter((s) => s.path.endsWith("/Get")).at(-1)?.timeout, "50m");
  });
});
