/**
 * The Omni API simulator process: gRPC (HTTP/2, h2c or TLS with ALPN h2) at the URL root serving
 * `cosi.resource.State` and `management.ManagementService`, over a persistent store with Omni's auth,
 * provider rules, seeds and reactions.
 */
import { readFileSync } from "node:fs";
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { HandlerContext } from "@connectrpc/connect";
import { compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import { type Logger, silentLogger } from "../../observability/logger.ts";
import { ManagementService } from "../../omni/gen/omni/management/management_pb.js";
import { State } from "../../omni/gen/v1alpha1/state_pb.js";
import { createAdmin, type OmniAdmin } from "./admin.ts";
import { AuthFailure, authenticate, type Caller } from "./auth.ts";
import { DEFAULT_FACTORY_URL } from "./boot-assets.ts";
import { simError, toConnectError } from "./errors.ts";
import { type MintOptions, mintAdminKey, mintProviderKey } from "./keys.ts";
import { createManagementService } from "./management-service.ts";
import { OmniReactor } from "./reactions.ts";
import { DEFAULT_SIDEROLINK, registerProvider, type SiderolinkSettings, seedOmni } from "./seeds.ts";
import { createStateService } from "./state-service.ts";
import { ResourceStore } from "./store.ts";

export interface OmniSimulatorOptions {
  /** Loopback port (default 0 = any free port; kept across restart()). */
  port?: number;
  /** TLS with the lab certificate (default false = h2c). */
  tls?: boolean;
  /** Persist state here so a restarted simulator resumes (versions, bookmarks). */
  dataDir?: string;
  /** Image factory base for GetBootAssetURL (default https://factory.talos.dev). */
  factoryUrl?: string;
  /** SiderolinkAPIConfig machine API URL (default grpc://127.0.0.1:8099). */
  siderolinkApiUrl?: string;
  siderolinkEventsPort?: number;
  siderolinkLogsPort?: number;
  /** Millisecond clock (signature skew, key expiry, timestamps). */
  now?: () => number;
  /** Events a watcher may fall behind before its stream fails with ERRORED (default 1000). */
  eventBuffer?: number;
  logger?: Logger;
}

export interface OmniSimulator {
  /** `http://127.0.0.1:PORT` (h2c) or `https://127.0.0.1:PORT` (TLS). */
  url: string;
  /** CA that signed the TLS certificate (TLS only). */
  caFile?: string;
  /** A service-account key string as `omnictl infraprovider create` prints it; its public key is registered. */
  mintProviderKey(providerId: string, options?: MintOptions): Promise<string>;
  /** An Admin-role service-account key (same string format) for lab tooling calling over gRPC. */
  mintAdminKey(name?: string, options?: MintOptions): Promise<string>;
  /** Create InfraProviders/<id> and ProviderJoinConfigs/<id>; returns the provider's plain join token. */
  registerProvider(providerId: string): string;
  admin: OmniAdmin;
  /** Drop every connection, reload state from dataDir, listen again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
const TLS_DIR = fileURLToPath(new URL("../tls/", import.meta.url));

/**
 * Start the simulator on loopback.
 *
 * @example
 * const omni = await startOmniSimulator({ tls: true });
 * omni.registerProvider("proxmox");
 * const key = await omni.mintProviderKey("proxmox");
 * // point the provider at omni.url with key and omni.caFile …
 * await omni.close();
 */
export async function startOmniSimulator(options: OmniSimulatorOptions = {}): Promise<OmniSimulator> {
  const now = options.now ?? Date.now;
  const log = options.logger ?? silentLogger();
  const factoryUrl = (options.factoryUrl ?? DEFAULT_FACTORY_URL).replace(/\/+$/, "");
  const siderolink: SiderolinkSettings = {
    ...DEFAULT_SIDEROLINK,
    ...(options.siderolinkApiUrl ? { apiUrl: options.siderolinkApiUrl } : {}),
    ...(options.siderolinkEventsPort ? { eventsPort: options.siderolinkEventsPort } : {}),
    ...(options.siderolinkLogsPort ? { logsPort: options.siderolinkLogsPort } : {}),
  };
  const store = new ResourceStore({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), now });
  seedOmni(store, siderolink, factoryUrl);
  let reactor = new OmniReactor(store);

  const authenticateCall = async (ctx: HandlerContext): Promise<Caller> => {
    const method = `/${ctx.service.typeName}/${ctx.method.name}`;
    try {
      const caller = await authenticate(ctx.requestHeader, method, store, now);
      log.debug({ method, caller: caller.identity }, "call");
      return caller;
    } catch (error) {
      if (error instanceof AuthFailure) {
        log.debug({ method, reason: error.reason }, "rejected call");
        throw toConnectError(simError("unauthenticated", "invalid signature"));
      }
      throw toConnectError(error);
    }
  };

  const listener = new Listener(options.tls ?? false, options.port ?? 0, (shutdown) =>
    connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      acceptCompression: [compressionGzip],
      readMaxBytes: MAX_MESSAGE_BYTES,
      writeMaxBytes: MAX_MESSAGE_BYTES,
      shutdownSignal: shutdown,
      routes(router) {
        router.service(
          State,
          createStateService({ store, authenticate: authenticateCall, watchQueueLimit: options.eventBuffer ?? 1000 }),
        );
        router.service(ManagementService, createManagementService({ authenticate: authenticateCall, factoryUrl }));
      },
    }),
  );
  await listener.listen();
  const scheme = options.tls ? "https" : "http";
  log.info({ url: `${scheme}://127.0.0.1:${listener.port}` }, "omni simulator listening");

  return {
    url: `${scheme}://127.0.0.1:${listener.port}`,
    ...(options.tls ? { caFile: `${TLS_DIR}ca.pem` } : {}),
    mintProviderKey: (providerId, mintOptions) => mintProviderKey(store, providerId, now, mintOptions),
    mintAdminKey: (name = "lab-admin", mintOptions) => mintAdminKey(store, name, now, mintOptions),
    registerProvider: (providerId) => registerProvider(store, providerId, siderolink),
    admin: createAdmin(store, () => reactor),
    async restart() {
      await listener.close();
      await reactor.settle();
      reactor.stop();
      store.flush();
      store.reload();
      reactor = new OmniReactor(store);
      await listener.listen();
    },
    async close() {
      await listener.close();
      await reactor.settle();
      reactor.stop();
      store.flush();
    },
  };
}

type RequestHandler = ReturnType<typeof connectNodeAdapter>;

/** One HTTP/2 listener that can be closed (dropping every session) and reopened on the same port. */
class Listener {
  readonly #tls: boolean;
  readonly #makeHandler: (shutdown: AbortSignal) => RequestHandler;
  #port: number;
  #server: Http2Server | Http2SecureServer | undefined;
  #sessions = new Set<Http2Session>();
  #shutdown = new AbortController();

  constructor(tls: boolean, port: number, makeHandler: (shutdown: AbortSignal) => RequestHandler) {
    this.#tls = tls;
    this.#port = port;
    this.#makeHandler = makeHandler;
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<void> {
    this.#shutdown = new AbortController();
    const handler = this.#makeHandler(this.#shutdown.signal);
    const server = this.#tls
      ? createSecureServer(
          {
            key: readFileSync(`${TLS_DIR}server.key`),
            cert: readFileSync(`${TLS_DIR}server.pem`),
            ALPNProtocols: ["h2"],
            allowHTTP1: false,
          },
          handler,
        )
      : createServer(handler);
    server.on("session", (session: Http2Session) => {
      this.#sessions.add(session);
      session.on("close", () => this.#sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#shutdown.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.#sessions) session.destroy();
    this.#sessions.clear();
    await closed;
  }
}
