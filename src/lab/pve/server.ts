import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./auth.ts";
import type { RequestContext, RouteTable, Simulator, UploadedFile } from "./context.ts";
import { PveHttpError, paramError } from "./errors.ts";
import { parseMultipart } from "./multipart.ts";
import { matchEndpoint, type ParamValue, stripPrefix, validateParams } from "./schema/index.ts";

/** One line of the JSONL request trace. */
export interface TraceEntry {
  method: string;
  path: string;
  params: Record<string, unknown>;
  status: number;
}

export interface ServerDeps {
  sim: Simulator;
  routes: RouteTable;
  /** Handles `/_admin/...`; returns false when the path is not an admin path. */
  admin: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
  trace: (entry: TraceEntry) => void;
  /** Sockets kept open by the `hang` fault, closed on shutdown. */
  hung: Set<IncomingMessage>;
}

const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);
const MAX_BODY = 512 * 1024;
const MAX_UPLOAD = 256 * 1024 * 1024;
/** Parameters never written to the trace in clear text. */
const SECRET_PARAMS = new Set(["password", "new-password", "cipassword"]);

/** The pveproxy request pipeline: parse, authenticate, validate against the schema, route, answer. */
export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, new PveHttpError(500, (err as Error).message));
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { sim } = deps;
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "https://localhost");
  const isUpload = /\/storage\/[^/]+\/upload$/.test(url.pathname);
  let body: Buffer;
  if (/chunked/i.test(String(req.headers["transfer-encoding"] ?? ""))) {
    // pveproxy needs a Content-Length; chunked request bodies are refused (behaviour.md §1).
    req.resume();
    sendError(res, new PveHttpError(501, "chunked transfer encoding not supported"));
    deps.trace({ method, path: url.pathname, params: {}, status: 501 });
    return;
  }
  try {
    body = await readBody(req, isUpload ? MAX_UPLOAD : MAX_BODY);
  } catch (err) {
    sendError(res, err instanceof PveHttpError ? err : new PveHttpError(501, "for data too large"));
    return;
  }
  if (url.pathname.startsWith("/_admin/") && (await deps.admin(req, res, body))) return;

  const traceParams: Record<string, unknown> = {};
  let status = 200;
  try {
    if (!METHODS.has(method)) throw new PveHttpError(501, `method '${method}' not available`);
    if (!url.pathname.startsWith("/api2/json")) {
      throw new PveHttpError(501, `Method '${method} ${url.pathname}' not implemented`);
    }
    const path = stripPrefix(url.pathname);
    const query: Record<string, ParamValue> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    let bodyParams: Record<string, ParamValue> = {};
    let upload: UploadedFile | undefined;
    if ((method === "GET" || method === "DELETE") && body.length > 0) {
      throw new PveHttpError(501, `Unexpected content for method '${method}'`);
    }
    if (method === "POST" || method === "PUT") {
      const parsed = parseBody(req.headers["content-type"] ?? "", body, isUpload);
      bodyParams = parsed.params;
      upload = parsed.upload;
    }
    Object.assign(traceParams, redact({ ...bodyParams, ...query }));
    const match = matchEndpoint(sim.schema, method, path);
    if (!match) throw new PveHttpError(501, `Method '${method} ${path}' not implemented`);
    const conflicts: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.pathParams)) {
      // The query string overrides body keys before pveproxy compares them with the URI.
      const given = query[k] ?? bodyParams[k];
      if (given !== undefined && String(given) !== v) {
        conflicts[k] = "duplicate parameter (already defined in URI) with conflicting values!";
      }
    }
    if (Object.keys(conflicts).length > 0) throw paramError(conflicts);
    const params: Record<string, ParamValue> = { ...bodyParams, ...query, ...match.pathParams };

    const isLogin = method === "POST" && path === "/access/ticket";
    let principal: Principal = { userid: "", authId: "", viaTicket: false };
    if (!isLogin) {
      principal = sim.access.authenticate(req.headers, sim.nowSec());
      if (principal.viaTicket && method !== "GET" && !isUpload) {
        const csrf = req.headers.csrfpreventiontoken;
        sim.access.checkCsrf(principal.userid, Array.isArray(csrf) ? csrf[0] : csrf, sim.nowSec());
      }
      if (match.endpoint.info.allowtoken === 0 && principal.tokenId) {
        throw new PveHttpError(
          403,
          `Permission check failed (URI '${path}' not available with API token, need proper ticket.)`,
        );
      }
    }

    // pveproxy forwards `proxyto: node` calls before the target validates them: an offline node is a 595
    // whatever the parameters (uploads are received locally, then copied; the copy fails the same way).
    const nodeName = match.pathParams.node;
    if (nodeName !== undefined && /^[a-zA-Z0-9-]+$/.test(nodeName)) {
      const node = sim.state.requireNode(nodeName);
      if (!node.online) {
        throw new PveHttpError(595, "Errors during connection establishment, proxy handshake: No route to host", {
          emptyBody: true,
        });
      }
    }

    const violations = validateParams(match.endpoint, params);
    if (violations.length > 0) {
      const errors: Record<string, string> = {};
      for (const v of violations) errors[v.param] = errors[v.param] ? `${errors[v.param]}\\n${v.message}` : v.message;
      throw paramError(errors);
    }

    const fault = sim.faults.decide(method, path);
    if (fault.latencyMs > 0) await delay(fault.latencyMs);
    if (fault.hang) {
      deps.hung.add(req);
      status = 0;
      return;
    }
    if (fault.connectionReset) {
      status = 0;
      req.socket.destroy();
      return;
    }
    if (fault.status) {
      // Authentication and proxy failures happen before any handler: pveproxy sends no body for them.
      const emptyBody = fault.status === 401 || fault.status >= 595;
      throw new PveHttpError(fault.status, fault.message ?? "injected fault", { emptyBody });
    }

    const handler = deps.routes[`${method} ${match.endpoint.template}`];
    if (!handler) throw new PveHttpError(501, `Method '${method} ${path}' not implemented`);
    const ctx: RequestContext = { sim, method, path, params, principal, upload, forcedTaskFailure: fault.taskFailure };
    const result = await handler(ctx);
    sendJson(res, 200, "OK", { data: result.data ?? null, ...(result.extra ?? {}) }, false);
  } catch (err) {
    const error = err instanceof PveHttpError ? err : new PveHttpError(500, (err as Error).message);
    status = error.status;
    // pveproxy answers every authentication failure (token, ticket, CSRF, login) after about 3 s.
    if (error.status === 401) await delay(3000 * sim.timeFactor);
    sendError(res, error);
  } finally {
    deps.trace({ method, path: url.pathname, params: traceParams, status });
    if (method !== "GET" && status === 200) sim.changed();
  }
}

function parseBody(
  contentType: string,
  body: Buffer,
  isUpload: boolean,
): { params: Record<string, ParamValue>; upload?: UploadedFile } {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "multipart/form-data") {
    if (!isUpload) throw new PveHttpError(506, `upload 'Content-Type '${type}' not implemented`);
    const parsed = parseMultipart(contentType, body);
    const params: Record<string, ParamValue> = { ...parsed.fields };
    if (parsed.file) params.filename = parsed.file.fileName;
    return { params, upload: parsed.file };
  }
  if (body.length === 0) return { params: {} };
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (err) {
      throw new PveHttpError(400, `malformed JSON body: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new PveHttpError(400, "JSON body must be an object");
    }
    return { params: parsed as Record<string, ParamValue> };
  }
  if (type === "" || type === "application/x-www-form-urlencoded") {
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
    return { params };
  }
  throw new PveHttpError(506, `upload 'Content-Type '${type}' not implemented`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        // Answer at once; the rest of the body is drained and dropped (the connection then closes).
        chunks.length = 0;
        reject(new PveHttpError(501, "for data too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function redact(params: Record<string, ParamValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = SECRET_PARAMS.has(k) ? "[REDACTED]" : v;
  return out;
}

/** Reason phrases must be one printable Latin-1 line. */
function reasonPhrase(message: string): string {
  const first = message.split(/\r?\n/)[0] ?? "";
  let out = "";
  for (const ch of first) {
    const code = ch.codePointAt(0) ?? 0;
    out += (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) ? ch : "?";
  }
  return out.trim() || "Error";
}

export function sendJson(res: ServerResponse, status: number, reason: string, body: unknown, close: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, reason, {
    "Content-Type": "application/json;charset=UTF-8",
    "Content-Length": Buffer.byteLength(text),
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(text);
}

/** Error answer: reason phrase = first line; JSON body unless raised before a handler (401, 595). */
export function sendError(res: ServerResponse, error: PveHttpError): void {
  const reason = reasonPhrase(error.message);
  if (error.emptyBody) {
    res.writeHead(error.status, reason, { "Content-Length": 0, Connection: "close" });
    res.end();
    return;
  }
  const message = error.message.endsWith("\n") ? error.message : `${error.message}\n`;
  const body: Record<string, unknown> = { data: null, message };
  if (error.errors) body.errors = error.errors;
  sendJson(res, error.status, reason, body, true);
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
