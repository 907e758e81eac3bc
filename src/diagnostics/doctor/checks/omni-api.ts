/**
 * `omni.reachable` (endpoint answers and accepts our signature), `omni.registered` (the provider ID
 * exists in Omni: its ProviderJoinConfig is readable; InfraProviderStatus shows a provider has run) and
 * `omni.clock` (skew against the server's clock; Omni rejects signatures more than 5 minutes off).
 */
import {
  InfraProviderStatuses,
  isOmniError,
  type OmniError,
  ProviderJoinConfigs,
  SIDEROLINK_CONFIG_ID,
  SiderolinkAPIConfigs,
} from "../../../omni/index.ts";
import type { DoctorContext } from "../context.ts";
import type { OmniSession } from "../omni-session.ts";
import { type Finding, fail, ok, warn } from "../types.ts";

const MAX_SKEW_MS = 5 * 60_000;

function reachFailure(ctx: DoctorContext, err: unknown): Finding {
  const endpoint = ctx.target.omni?.endpoint ?? "";
  const e = err as OmniError;
  const detail = `${endpoint}: ${e.message}`;
  if (isOmniError(err, "unauthenticated") || isOmniError(err, "permission_denied")) {
    return fail(
      "omni.reachable",
      "Omni rejected the provider's signature",
      detail,
      "the key may be revoked or belong to another Omni instance, or this clock is off by more than 5 minutes: " +
        "check `omnictl get serviceaccounts`, create a new key with `omnictl infraprovider create <id>`, and sync the clock (NTP)",
    );
  }
  const tls = /certificate|self[- ]signed|TLS|SSL/i.test(e.message);
  return fail(
    "omni.reachable",
    tls ? "cannot verify Omni's TLS certificate" : "cannot reach the Omni API",
    detail,
    tls
      ? "pass the CA that signed Omni's certificate with --omni-ca-file, or fix the certificate (as a last resort --insecure-skip-verify)"
      : "check --omni-api-endpoint (the Omni URL, e.g. https://omni.example.com), DNS and firewalls from where the provider runs",
  );
}

export async function checkOmniApi(
  ctx: DoctorContext,
  session: OmniSession,
): Promise<{ findings: Finding[]; reachable: boolean }> {
  const findings: Finding[] = [];
  try {
    await session.state.get(SiderolinkAPIConfigs, SIDEROLINK_CONFIG_ID);
    findings.push(ok("omni.reachable", "Omni answers and accepts the key", ctx.target.omni?.endpoint ?? ""));
  } catch (err) {
    const clock = checkClock(session);
    // A signature rejected by a server whose clock is far from ours: the clock is the cause, not the key.
    return { findings: [reachFailure(ctx, err), ...(clock.status === "fail" ? [clock] : [])], reachable: false };
  }
  findings.push(await checkRegistered(session));
  findings.push(checkClock(session));
  return { findings, reachable: true };
}

async function checkRegistered(session: OmniSession): Promise<Finding> {
  const id = session.key.providerId;
  let joinConfig: unknown;
  try {
    joinConfig = await session.state.find(ProviderJoinConfigs, id);
  } catch (err) {
    joinConfig = isOmniError(err, "permission_denied") ? undefined : err;
    if (joinConfig instanceof Error) {
      return fail(
        "omni.registered",
        "cannot read the provider's registration",
        joinConfig.message,
        "see omni.reachable",
      );
    }
  }
  if (!joinConfig) {
    return fail(
      "omni.registered",
      `infra provider "${id}" is not registered in Omni`,
      `ProviderJoinConfigs/${id} does not exist`,
      `create it with \`omnictl infraprovider create ${id}\` (it prints the key to use)`,
    );
  }
  const status = await session.state.find(InfraProviderStatuses, id).catch(() => undefined);
  const ran = status
    ? `a provider has reported in as "${status.spec.name}"${status.spec.version ? ` ${status.spec.version}` : ""}`
    : "no InfraProviderStatus yet: `omni-proxmox run` publishes it when it starts";
  return ok("omni.registered", `infra provider "${id}" is registered`, ran);
}

function checkClock(session: OmniSession): Finding {
  const last = session.serverDates.at(-1);
  if (!last) {
    return ok(
      "omni.clock",
      "clock within Omni's 5-minute limit",
      "Omni sent no date header; it accepted our signed calls",
    );
  }
  const skew = last.local - last.server;
  const seconds = Math.round(skew / 1000);
  const detail = `this clock is ${Math.abs(seconds)} s ${skew >= 0 ? "ahead of" : "behind"} Omni's (date headers have 1 s resolution)`;
  if (Math.abs(skew) > MAX_SKEW_MS) {
    return fail("omni.clock", "clock skew over Omni's 5-minute limit", detail, "sync this host's clock (chrony/NTP)");
  }
  if (Math.abs(skew) > 30_000) {
    return warn(
      "omni.clock",
      "noticeable clock skew",
      detail,
      "sync this host's clock (chrony/NTP) before it drifts past 5 minutes",
    );
  }
  return ok("omni.clock", "clock in sync with Omni", detail);
}
