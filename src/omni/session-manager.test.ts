import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GuardedSessionManager } from "./session-manager.ts";

/** Issues one request and reads the answer; returns the session it ran on (captured before the stream closes). */
async function roundTrip(manager: GuardedSessionManager): Promise<http2.Http2Session> {
  const stream = await manager.request("GET", "/", {}, {});
  const session = stream.session;
  assert.ok(session);
  stream.resume();
  await new Promise((resolve) => stream.once("close", resolve));
  return session;
}

describe("GuardedSessionManager", () => {
  const serverSessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  let url = "";
  before(async () => {
    server.on("session", (s) => {
      serverSessions.add(s);
      s.once("close", () => serverSessions.delete(s));
    });
    server.on("stream", (s) => {
      s.respond({ ":status": 200 });
      s.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of serverSessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("survives a GOAWAY on an idle session racing a new request, and reports the session error", async () => {
    const uncaught: Error[] = [];
    const onUncaught = (e: Error) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    const reported: string[] = [];
    const manager = new GuardedSessionManager(url, {}, {}, (e) => reported.push(e.message));
    try {
      const idle = await roundTrip(manager);
      // connect-node destroys an idle session on GOAWAY and emits the error a tick later; a request issued in
      // between moves the manager on and detaches its listeners first. Without our guard that error is uncaught.
      let next: Promise<http2.Http2Session> | undefined;
      idle.once("goaway", () => {
        next = roundTrip(manager);
      });
      const closed = new Promise((resolve) => idle.once("close", resolve));
      for (const s of serverSessions) s.goaway(http2.constants.NGHTTP2_NO_ERROR);
      await closed;
      assert.ok(next, "the racing request was issued");
      const fresh = await next;
      assert.notEqual(fresh, idle, "the next request ran on a new connection");
      assert.deepEqual(uncaught, []);
      assert.equal(reported.length, 1);
      assert.match(reported[0] ?? "", /GOAWAY without any open streams/);
    } finally {
      process.off("uncaughtException", onUncaught);
      manager.abort();
    }
  });
});
