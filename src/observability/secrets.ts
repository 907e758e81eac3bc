/**
 * Process-wide registry of secret values (token secrets, passwords, tickets, service-account keys, join
 * tokens). Every log line and every error message that leaves the process is scrubbed of them, so call
 * sites never have to remember to redact.
 *
 * @example
 * registerSecret(config.tokenSecret);
 * scrubSecrets(`auth failed for ${config.tokenSecret}`); // "auth failed for [REDACTED]"
 */
const secrets = new Set<string>();

/** Values shorter than this are not registered: scrubbing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;

export const REDACTED = "[REDACTED]";

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // Secrets also travel URL-encoded (query strings) and JSON-escaped: register those spellings too.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secrets.add(encoded);
  const jsonEscaped = JSON.stringify(value).slice(1, -1);
  if (jsonEscaped !== value) secrets.add(jsonEscaped);
}

/**
 * Secrets recognised by shape rather than value: Omni join tokens that carry extra data (`v1:`/`v2:` +
 * base64 JSON with an HMAC), plain or URL-encoded. A provider makes one per machine request, so
 * registering each would grow the registry without bound.
 */
const SECRET_PATTERNS: readonly RegExp[] = [/\bv[12](?::|%3A)[A-Za-z0-9+/]{16,}(?:=|%3D){0,2}/g];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  if (secrets.size === 0) return out;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** For tests only: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
}
