/**
 * `omni.key`: the infra provider key parses and has not expired; `omni.provider-id`: the ID the provider
 * runs with is the one the key was created for (the seed's `resource ID must match the infra provider
 * ID "Proxmox"`).
 */
import type { ServiceAccountKey } from "../../../omni/index.ts";
import type { DoctorContext } from "../context.ts";
import { parseKeyIgnoringExpiry } from "../omni-session.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

const DAY_MS = 86_400_000;
const RENEW = "renew it with `omnictl infraprovider renewkey <id>` and restart the provider with the new key";

export async function checkOmniKey(ctx: DoctorContext): Promise<{ findings: Finding[]; key?: ServiceAccountKey }> {
  const text = ctx.target.omni?.serviceAccountKey ?? "";
  let key: ServiceAccountKey;
  try {
    key = await parseKeyIgnoringExpiry(text);
  } catch (err) {
    return {
      findings: [
        fail(
          "omni.key",
          "the Omni service account key is not usable",
          (err as Error).message,
          "create an infra provider key with `omnictl infraprovider create <id>` and pass it as --omni-service-account-key or OMNI_SERVICE_ACCOUNT_KEY",
        ),
      ],
    };
  }
  const findings: Finding[] = [];
  const now = ctx.now().getTime();
  const expires = key.expiresAt?.getTime();
  const who = `key "${key.name}" (fingerprint ${key.fingerprint})`;
  if (expires !== undefined && expires <= now) {
    findings.push(
      fail("omni.key", "the Omni key has expired", `${who} expired at ${new Date(expires).toISOString()}`, RENEW),
    );
  } else if (expires !== undefined && expires - now < 14 * DAY_MS) {
    const days = Math.floor((expires - now) / DAY_MS);
    findings.push(
      warn(
        "omni.key",
        `the Omni key expires in ${days} day(s)`,
        `${who} expires at ${new Date(expires).toISOString()}`,
        RENEW,
      ),
    );
  } else {
    const until = expires === undefined ? "does not expire" : `valid until ${new Date(expires).toISOString()}`;
    findings.push(ok("omni.key", "the Omni key is valid", `${who}, ${until}`));
  }
  findings.push(checkProviderId(ctx, key));
  return { findings, key };
}

function checkProviderId(ctx: DoctorContext, key: ServiceAccountKey): Finding {
  const configured = ctx.target.providerId;
  if (configured === key.providerId) {
    return ok(
      "omni.provider-id",
      `provider ID "${configured}" matches the key`,
      `key identity ${key.identity || key.name}`,
    );
  }
  const how = ctx.target.providerIdExplicit ? `--id ${configured}` : `the default ID "${configured}" (no --id given)`;
  return fail(
    "omni.provider-id",
    `provider ID "${configured}" does not match the key's "${key.providerId}"`,
    `the provider would run with ${how}, but the key was created for infra provider "${key.providerId}"; ` +
      `Omni refuses its writes with: resource ID must match the infra provider ID "${key.providerId}"`,
    `run with --id ${key.providerId} (IDs are case-sensitive), or create a key for "${configured}" with \`omnictl infraprovider create ${configured}\``,
  );
}
