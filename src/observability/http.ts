import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthSource {
  /** Liveness: the process works (event loop turns, no fatal error). */
  live(): boolean;
  /** Readiness: connected to Omni and Proxmox; returns the reasons when not ready. */
  ready(): { ready: boolean; reasons: string[] };
}

export interface ObservabilityServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` and `/readyz` on `addr` (`:9090`,
 * `127.0.0.1:9090`, or port 0 for tests).
 *
 * @example
 * const server = await serveObservability(":9090", metrics.registry, health);
 */
export async function serveObservability(
  addr: string,
  registry: Registry,
  health: HealthSource,
): Promise<ObservabilityServer> {
  const { host, port } = parseListenAddress(addr);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    if (path === "/healthz") {
      const live = health.live();
      res.writeHead(live ? 200 : 503, { "content-type": "text/plain" }).end(live ? "ok\n" : "not live\n");
      return;
    }
    if (path === "/readyz") {
      const { ready, reasons } = health.ready();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ok\n" : `${reasons.join("\n")}\n`);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics, /healthz or /readyz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `:9090` → all interfaces; `host:port`; `[::1]:9090`. */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr.trim());
  if (!match) throw new Error(`--metrics-addr: "${addr}" is not HOST:PORT; write e.g. :9090 or 127.0.0.1:9090`);
  const host = match[1] ?? match[2];
  return { host: host ? host : undefined, port: Number(match[3]) };
}
