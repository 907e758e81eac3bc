/**
 * A stand-in for the Talos image factory on loopback: serves deterministic fake ISO images at the
 * factory's URL layout and computes schematic IDs for `POST /schematics`, so the Proxmox simulator's
 * download-url and the Omni simulator's boot-asset URLs have something real to point at.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fakeIsoBytes } from "./iso.ts";
import { parseSchematic, SchematicError, schematicId } from "./schematic.ts";

export interface ImageFactoryOptions {
  /** Listen port on 127.0.0.1 (default 0 = any free port). */
  port?: number;
}

export interface ImageFactory {
  /** Base URL, e.g. `http://127.0.0.1:40123` (pass it as the Omni simulator's `factoryUrl`). */
  url: string;
  /** Number of image downloads served (for tests asserting caching behaviour). */
  downloads(): number;
  close(): Promise<void>;
}

const IMAGE_PATH = /^\/image\/([0-9a-f]{64})\/(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\/([a-z0-9_]+)-(amd64|arm64)\.iso$/;
const MAX_SCHEMATIC_BYTES = 1 << 20;

/**
 * Start the fake factory.
 *
 * @example
 * const factory = await startImageFactory();
 * const res = await fetch(`${factory.url}/image/${id}/v1.13.8/nocloud-amd64.iso`);
 * await factory.close();
 */
export async function startImageFactory(options: ImageFactoryOptions = {}): Promise<ImageFactory> {
  let served = 0;
  const server = createServer((req, res) => {
    handle(req, res, () => served++).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    downloads: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, countDownload: () => void): Promise<void> {
  const path = new URL(req.url ?? "/", "http://factory").pathname;
  if (req.method === "POST" && path === "/schematics") {
    const body = await readBody(req);
    if (body === undefined) return sendJson(res, 413, { error: "schematic too large" });
    try {
      return sendJson(res, 201, { id: schematicId(parseSchematic(body)) });
    } catch (error) {
      if (error instanceof SchematicError) return sendJson(res, 400, { error: error.message });
      throw error;
    }
  }
  const match = IMAGE_PATH.exec(path);
  if ((req.method === "GET" || req.method === "HEAD") && match) {
    const [, id, version, platform, arch] = match as unknown as [string, string, string, string, string];
    const versionSegment = version.startsWith("v") ? version : `v${version}`;
    const bytes = fakeIsoBytes(id, versionSegment, `${platform}-${arch}.iso`);
    res.writeHead(200, {
      "content-type": "application/x-iso9660-image",
      "content-length": String(bytes.length),
      "content-disposition": `attachment; filename="${platform}-${arch}.iso"`,
    });
    if (req.method === "GET") countDownload();
    res.end(req.method === "GET" ? bytes : undefined);
    return;
  }
  sendJson(res, 404, { error: `no such asset: ${path}` });
}

async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SCHEMATIC_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}
