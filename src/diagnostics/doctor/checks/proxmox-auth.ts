/** `proxmox.auth`: the API answers and accepts the configured token or password. */
import { isProxmoxError } from "../../../proxmox/index.ts";
import type { DoctorContext } from "../context.ts";
import { type Finding, fail, ok } from "../types.ts";

export async function checkProxmoxAuth(ctx: DoctorContext): Promise<Finding> {
  const id = "proxmox.auth";
  const who = ctx.target.proxmox.tokenID ?? ctx.target.proxmox.username ?? "(no credentials)";
  try {
    const v = await ctx.pve.version();
    return ok(id, `authenticated to Proxmox VE ${v.version} as ${who}`, ctx.target.proxmox.url);
  } catch (err) {
    const message = (err as Error).message;
    if (isProxmoxError(err, "auth_failed")) {
      return fail(
        id,
        `Proxmox rejected the credentials of ${who}`,
        message,
        "check tokenID (USER@REALM!TOKENNAME) and tokenSecret; list tokens with `pveum user token list USER@REALM`, or create one with `omni-proxmox doctor --print-role`",
      );
    }
    if (isProxmoxError(err, "tls_failed")) {
      return fail(id, "Proxmox TLS check failed", message, "see proxmox.tls");
    }
    return fail(
      id,
      "Proxmox API did not answer",
      message,
      "check proxmox.url and that the node is up (see proxmox.tls)",
    );
  }
}
