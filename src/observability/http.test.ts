import assert from "node:assert/strict";
import { test } from "node:test";
import { parseListenAddress, serveObservability } from "./http.ts";
import { createMetrics } from "./metrics.ts";

test("serves metrics, liveness and readiness", async () => {
  const metrics = createMetrics();
  metrics.reconciles.inc({ outcome: "done" });
  let ready = false;
  const server = await serveObservability("127.0.0.1:0", metrics.registry, {
    live: () => true,
    ready: () => ({ ready, reasons: ready ? [] : ["omni: not connected"] }),
  });
  try {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /omni_proxmox_reconciles_total\{outcome="done"\} 1/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const notReady = await fetch(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /omni: not connected/);
    ready = true;
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

test("listen addresses in the forms operators write", () => {
  assert.deepEqual(parseListenAddress(":9090"), { host: undefined, port: 9090 });
  assert.deepEqual(parseListenAddress("127.0.0.1:8080"), { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseListenAddress("[::1]:9090"), { host: "::1", port: 9090 });
  assert.throws(() => parseListenAddress("9090"), /--metrics-addr/);
});
