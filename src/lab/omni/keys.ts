/**
 * Service-account keys in the format `omnictl infraprovider create` produces (protocol notes §2.1) and
 * their registration as `PublicKeys` resources the verifier looks up by fingerprint.
 */
import * as openpgp from "openpgp";
import { registerSecret } from "../../observability/secrets.ts";
import { NS, PROVIDER_IDENTITY_SUFFIX, type Resource, TYPE } from "./model.ts";
import type { ResourceStore } from "./store.ts";

export type Role = "InfraProvider" | "Admin";

/** What the simulator records per public key (JSON in the PublicKeys resource's yaml_spec). */
export interface PublicKeyRecord {
  armoredPublicKey: string;
  /** Unix milliseconds after which the key is refused. */
  expiration: number;
  /** E-mail identity the key was issued to; the verified caller identity. */
  identity: string;
  role: Role;
  confirmed: boolean;
}

export interface MintOptions {
  /** Key lifetime (default 365 days). */
  ttlSeconds?: number;
  /** Issue a key that already expired (for rejection tests). */
  expired?: boolean;
}

const DAY_SECONDS = 86_400;

/**
 * Generate an infra-provider key pair, register its public half and return the service-account key string:
 * standard base64 of `{"name":"infra-provider:<id>","pgp_key":"<armored private key>"}`.
 *
 * @example
 * const key = await mintProviderKey(store, "proxmox", Date.now);
 * JSON.parse(Buffer.from(key, "base64").toString()).name; // "infra-provider:proxmox"
 */
export async function mintProviderKey(
  store: ResourceStore,
  providerId: string,
  now: () => number,
  options: MintOptions = {},
): Promise<string> {
  return mintKey(store, now, options, {
    userName: providerId,
    identity: `${providerId}${PROVIDER_IDENTITY_SUFFIX}`,
    accountName: `infra-provider:${providerId}`,
    role: "InfraProvider",
  });
}

/**
 * An Admin-role service-account key (`<name>@serviceaccount.omni.sidero.dev`) for lab tooling that talks
 * to the simulator over gRPC as an administrator rather than through the in-process admin API.
 */
export async function mintAdminKey(
  store: ResourceStore,
  name: string,
  now: () => number,
  options: MintOptions = {},
): Promise<string> {
  return mintKey(store, now, options, {
    userName: name,
    identity: `${name}@serviceaccount.omni.sidero.dev`,
    accountName: name,
    role: "Admin",
  });
}

async function mintKey(
  store: ResourceStore,
  now: () => number,
  options: MintOptions,
  account: { userName: string; identity: string; accountName: string; role: Role },
): Promise<string> {
  const ttl = options.ttlSeconds ?? 365 * DAY_SECONDS;
  // An expired key was valid for one day, two days ago; the verifier must refuse it by its expiration.
  const created = options.expired ? now() - 2 * DAY_SECONDS * 1000 : now() - 60_000;
  const lifetime = options.expired ? DAY_SECONDS : ttl;
  const goArch = process.arch === "x64" ? "amd64" : process.arch;
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [{ name: account.userName, comment: `${process.platform}/${goArch}`, email: account.identity }],
    keyExpirationTime: lifetime,
    date: new Date(created),
    format: "armored",
    config: { preferredHashAlgorithm: openpgp.enums.hash.sha256 },
  });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  registerPublicKey(store, key.getFingerprint().toLowerCase(), {
    armoredPublicKey: publicKey,
    expiration: created + lifetime * 1000,
    identity: account.identity,
    role: account.role,
    confirmed: true,
  });
  const keyString = Buffer.from(goJson({ name: account.accountName, pgp_key: privateKey })).toString("base64");
  registerSecret(privateKey);
  registerSecret(keyString);
  return keyString;
}

export function registerPublicKey(store: ResourceStore, fingerprint: string, record: PublicKeyRecord): void {
  const resource: Resource = {
    metadata: {
      namespace: NS.default,
      type: TYPE.publicKey,
      id: fingerprint,
      version: 0,
      owner: "",
      phase: "running",
      created: 0,
      updated: 0,
      finalizers: [],
      labels: { "identity-user-id": record.identity },
      annotations: {},
    },
    spec: { protoSpec: new Uint8Array(), yamlSpec: JSON.stringify(record) },
  };
  const existing = store.get(NS.default, TYPE.publicKey, fingerprint);
  if (existing) {
    resource.metadata.version = existing.metadata.version;
    store.update(resource, { owner: "" });
  } else {
    store.create(resource, "");
  }
}

export function lookupPublicKey(store: ResourceStore, fingerprint: string): PublicKeyRecord | undefined {
  const found = store.get(NS.default, TYPE.publicKey, fingerprint.toLowerCase());
  if (!found) return undefined;
  try {
    return JSON.parse(found.spec.yamlSpec) as PublicKeyRecord;
  } catch {
    return undefined;
  }
}

/** Compact JSON with Go's HTML escaping of `<`, `>`, `&` (what Go's encoder writes). */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
