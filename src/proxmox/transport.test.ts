import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Agent } from "undici";
import { isProxmoxError } from "./errors.ts";
import { Transport } from "./transport.ts";

/** A plain HTTP server answering each path with a fixed status, content type and body. */
const ANSWERS: Record<string, [number, string, string]> = {
  "/api2/json/version": [200, "application/json", '{"data":{"version":"9.1.1"}}'],
  "/api2/json/void": [200, "application/json", '{"data":null}'],
  "/api2/json/html": [200, "text/html", "<html>login</html>"],
  "/api2/json/empty": [200, "application/json", ""],
};

describe("Transport envelopes", () => {
  let server: Server;
  let agent: Agent;
  let transport: Transport;

  before(async () => {
    server = createServer((req, res) => {
      const [status, type, body] = ANSWERS[new URL(req.url ?? "/", "http://x").pathname] ?? [501, "text/plain", ""];
      res.writeHead(status, { "content-type": type });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    agent = new Agent();
    transport = new Transport({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      dispatcher: agent,
      credentials: { kind: "token", tokenId: "omni@pve!test", secret: "00000000-0000-0000-0000-000000000000" },
      retry: { attempts: 1, initialMs: 1, maxMs: 1 },
    });
  });
  after(async () => {
    await agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("returns data, including a null data", async () => {
    assert.deepEqual(await transport.call("GET", "/version"), { version: "9.1.1" });
    assert.equal(await transport.call("POST", "/void"), null);
  });

  it("refuses a 2xx answer that is not a Proxmox envelope instead of returning undefined", async () => {
    for (const path of ["/html", "/empty"]) {
      await assert.rejects(transport.call("GET", path), (e) => {
        assert.ok(isProxmoxError(e, "unknown"), String(e));
        assert.equal(e.status, 200);
        assert.match(e.message, /envelope.*url/);
        return true;
      });
    }
  });
});
