import { generateKey } from "openpgp";
import { INFRA_PROVIDER_IDENTITY_SUFFIX, INFRA_PROVIDER_NAME_PREFIX } from "./key.ts";

export interface GeneratedServiceAccountKey {
  /** The key string as `omnictl infraprovider create` prints it (base64 JSON). */
  text: string;
  /** ASCII-armored public key, what Omni registers under the fingerprint. */
  publicKeyArmored: string;
}

/**
 * Generates an infra-provider service-account key in the real format: v4 key, EdDSA (ed25519, legacy id 22)
 * primary + cv25519 ECDH subkey, user ID `<id> (<os>/<arch>) <id>@infra-provider.serviceaccount.omni.sidero.dev`,
 * key lifetime `ttlSeconds`. For tests and the lab; production keys come from `omnictl`.
 *
 * @example
 * const { text } = await generateServiceAccountKey({ providerId: "proxmox", ttlSeconds: 3600 });
 */
export async function generateServiceAccountKey(options: {
  providerId: string;
  ttlSeconds?: number;
  /** Key creation time (default now); set it in the past to make an already-expired key. */
  created?: Date;
}): Promise<GeneratedServiceAccountKey> {
  const { providerId } = options;
  const { privateKey, publicKey } = await generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: [
      {
        name: providerId,
        comment: `${process.platform}/${process.arch}`,
        email: `${providerId}${INFRA_PROVIDER_IDENTITY_SUFFIX}`,
      },
    ],
    keyExpirationTime: options.ttlSeconds ?? 365 * 24 * 3600,
    date: options.created ?? new Date(),
    format: "armored",
  });
  const json = JSON.stringify({ name: `${INFRA_PROVIDER_NAME_PREFIX}${providerId}`, pgp_key: privateKey });
  return { text: Buffer.from(json, "utf8").toString("base64"), publicKeyArmored: publicKey };
}
