import { type PrivateKey, readPrivateKey } from "openpgp";
import { registerSecret } from "../observability/secrets.ts";

/** Identity suffix of infra-provider service accounts (the part after the provider ID). */
export const INFRA_PROVIDER_IDENTITY_SUFFIX = "@infra-provider.serviceaccount.omni.sidero.dev";
/** Prefix of the `name` field of an infra-provider key (`infra-provider:<providerID>`). */
export const INFRA_PROVIDER_NAME_PREFIX = "infra-provider:";

/** A parsed Omni service-account key, ready to sign requests. */
export interface ServiceAccountKey {
  /** The key JSON `name`, e.g. `infra-provider:proxmox`; sent as the identity field of each signature. */
  name: string;
  /** The account e-mail from the PGP user ID, e.g. `proxmox@infra-provider.serviceaccount.omni.sidero.dev`. */
  identity: string;
  /** The provider ID (from `name`, else from the e-mail), e.g. `proxmox`. */
  providerId: string;
  /** Lowercase hex fingerprint of the primary key: the key's ID on the Omni side. */
  fingerprint: string;
  /** When the key stops being accepted; undefined for a key without expiry. */
  expiresAt: Date | undefined;
  privateKey: PrivateKey;
}

export type ServiceAccountKeyErrorCode = "key_malformed" | "key_expired" | "key_encrypted" | "key_unsupported";

/** Why a service-account key was refused. The message names the problem, never the key material. */
export class ServiceAccountKeyError extends Error {
  readonly code: ServiceAccountKeyErrorCode;
  constructor(code: ServiceAccountKeyErrorCode, message: string) {
    super(message);
    this.name = "ServiceAccountKeyError";
    this.code = code;
  }
}

/** Primary-key algorithms able to make the detached signatures Omni verifies (omnictl makes eddsaLegacy). */
const SIGNING_ALGORITHMS: ReadonlySet<string> = new Set([
  "eddsaLegacy",
  "ed25519",
  "ed448",
  "ecdsa",
  "rsaSign",
  "rsaEncryptSign",
]);

const FIX = "pass the key exactly as printed by `omnictl infraprovider create <id>` (OMNI_SERVICE_ACCOUNT_KEY)";

/**
 * Parses an Omni service-account key: standard base64 of `{"name": ..., "pgp_key": <armored private key>}`.
 * Registers the key text and the armored key as secrets before anything else, and refuses keys that are
 * malformed, passphrase-protected, not signing-capable or expired at `now`.
 *
 * @example
 * const key = await parseServiceAccountKey(process.env.OMNI_SERVICE_ACCOUNT_KEY ?? "");
 * key.providerId; // "proxmox"
 */
export async function parseServiceAccountKey(text: string, now: Date = new Date()): Promise<ServiceAccountKey> {
  registerSecret(text);
  const trimmed = text.trim();
  registerSecret(trimmed);
  if (trimmed === "") throw new ServiceAccountKeyError("key_malformed", `service account key is empty; ${FIX}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new ServiceAccountKeyError("key_malformed", `service account key is not standard base64; ${FIX}`);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(trimmed, "base64").toString("utf8"));
  } catch {
    throw new ServiceAccountKeyError("key_malformed", `service account key does not decode to JSON; ${FIX}`);
  }
  if (typeof decoded !== "object" || decoded === null) {
    throw new ServiceAccountKeyError("key_malformed", `service account key JSON is not an object; ${FIX}`);
  }
  const { name, pgp_key: armored } = decoded as Record<string, unknown>;
  if (typeof armored === "string") registerSecret(armored);
  if (typeof name !== "string" || name === "") {
    throw new ServiceAccountKeyError("key_malformed", `service account key JSON lacks a string "name"; ${FIX}`);
  }
  if (typeof armored !== "string" || armored === "") {
    throw new ServiceAccountKeyError("key_malformed", `service account key JSON lacks a string "pgp_key"; ${FIX}`);
  }

  let privateKey: PrivateKey;
  try {
    privateKey = await readPrivateKey({ armoredKey: armored });
  } catch {
    throw new ServiceAccountKeyError(
      "key_malformed",
      `service account key "${name}": "pgp_key" is not an armored OpenPGP private key; ${FIX}`,
    );
  }
  if (!privateKey.isDecrypted()) {
    throw new ServiceAccountKeyError(
      "key_encrypted",
      `service account key "${name}" is passphrase-protected; Omni keys are unencrypted, ${FIX}`,
    );
  }
  const algorithm = privateKey.getAlgorithmInfo().algorithm;
  if (!SIGNING_ALGORITHMS.has(algorithm)) {
    throw new ServiceAccountKeyError(
      "key_unsupported",
      `service account key "${name}": primary key algorithm ${algorithm} cannot sign; ${FIX}`,
    );
  }

  const expiresAt = await keyExpiry(privateKey, name);
  if (expiresAt !== undefined && expiresAt.getTime() <= now.getTime()) {
    throw new ServiceAccountKeyError(
      "key_expired",
      `service account key "${name}" (fingerprint ${privateKey.getFingerprint()}) expired at ${expiresAt.toISOString()}; ` +
        `renew it with \`omnictl infraprovider renewkey\` and restart with the new key`,
    );
  }

  const identity = primaryEmail(privateKey);
  const providerId = providerIdFrom(name, identity);
  if (providerId === "") {
    throw new ServiceAccountKeyError(
      "key_malformed",
      `service account key "${name}" is not an infra-provider key (expected name "infra-provider:<id>" or an ` +
        `e-mail ending in ${INFRA_PROVIDER_IDENTITY_SUFFIX}); ${FIX}`,
    );
  }
  return { name, identity, providerId, fingerprint: privateKey.getFingerprint().toLowerCase(), expiresAt, privateKey };
}

async function keyExpiry(key: PrivateKey, name: string): Promise<Date | undefined> {
  let expiry: Date | number | null;
  try {
    expiry = await key.getExpirationTime();
  } catch {
    throw new ServiceAccountKeyError(
      "key_malformed",
      `service account key "${name}" has no valid self-signature (its user ID or binding is broken); ${FIX}`,
    );
  }
  if (expiry instanceof Date) return expiry;
  return undefined;
}

function primaryEmail(key: PrivateKey): string {
  for (const user of key.users) {
    const email = user.userID?.email;
    if (email) return email;
  }
  return "";
}

function providerIdFrom(name: string, identity: string): string {
  if (name.startsWith(INFRA_PROVIDER_NAME_PREFIX)) return name.slice(INFRA_PROVIDER_NAME_PREFIX.length);
  if (identity.endsWith(INFRA_PROVIDER_IDENTITY_SUFFIX)) {
    return identity.slice(0, -INFRA_PROVIDER_IDENTITY_SUFFIX.length);
  }
  return "";
}
