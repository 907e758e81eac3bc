/**
 * A minimal, independent `siderov1` request signer and gRPC client factory for the simulator tests
 * (deliberately not the src/omni client: client and simulator are checked against each other elsewhere).
 */
import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as openpgp from "openpgp";

export interface ParsedServiceAccountKey {
  name: string;
  key: openpgp.PrivateKey;
  fingerprint: string;
}

export async function parseServiceAccountKey(keyString: string): Promise<ParsedServiceAccountKey> {
  const json = JSON.parse(Buffer.from(keyString, "base64").toString("utf8")) as { name: string; pgp_key: string };
  const key = await openpgp.readPrivateKey({ armoredKey: json.pgp_key });
  return { name: json.name, key, fingerprint: key.getFingerprint().toLowerCase() };
}

export interface SignOptions {
  /** Seconds since epoch written into x-sidero-timestamp (default: now). */
  timestamp?: number;
  /** Replace the payload after signing (tamper test). */
  tamper?: (payload: string) => string;
  /** Build the payload's headers map differently (e.g. `[]` instead of null). */
  headerValue?: (name: string, value: string[] | null) => unknown;
  /** Sign with this key but claim this fingerprint. */
  fingerprint?: string;
  /** Sign as of this date (needed to sign with an expired key at all). */
  signingDate?: Date;
  /** Observe the headers as sent (e.g. to check the signature never shows up anywhere). */
  onSigned?: (headers: Headers) => void;
}

const SIGNED = [
  "authorization",
  "cluster",
  "context",
  "fieldSelectors",
  "namespace",
  "nodes",
  "runtime",
  "selectors",
  "uid",
  "x-sidero-timestamp",
];

export async function signInto(
  headers: Headers,
  method: string,
  account: ParsedServiceAccountKey,
  options: SignOptions = {},
): Promise<void> {
  const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  headers.set("x-sidero-timestamp", ts);
  const signedHeaders: Record<string, unknown> = {};
  for (const name of SIGNED) {
    const value = headers.get(name);
    const list = value === null ? null : [value];
    signedHeaders[name] = options.headerValue ? options.headerValue(name, list) : list;
  }
  const payload = JSON.stringify({ headers: signedHeaders, method });
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: new TextEncoder().encode(payload) }),
    signingKeys: account.key,
    detached: true,
    format: "binary",
    ...(options.signingDate ? { date: options.signingDate } : {}),
  });
  const sent = options.tamper ? options.tamper(payload) : payload;
  headers.set("x-sidero-payload", sent);
  headers.set(
    "x-sidero-signature",
    `siderov1 ${account.name} ${options.fingerprint ?? account.fingerprint} ${Buffer.from(signature).toString("base64")}`,
  );
  options.onSigned?.(headers);
}

export function signingInterceptor(
  account: ParsedServiceAccountKey | undefined,
  options: SignOptions = {},
): Interceptor {
  return (next) => async (req) => {
    if (account) await signInto(req.header, `/${req.service.typeName}/${req.method.name}`, account, options);
    return next(req);
  };
}

export function grpcClient<S extends DescService>(
  service: S,
  baseUrl: string,
  account: ParsedServiceAccountKey | undefined,
  options: SignOptions & { caFile?: string } = {},
): Client<S> {
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: [signingInterceptor(account, options)],
    ...(options.caFile ? { nodeOptions: { ca: readFileSync(options.caFile) } } : {}),
  });
  return createClient(service, transport);
}
