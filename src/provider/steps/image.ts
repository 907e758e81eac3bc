/**
 * `image`: the Talos ISO the VM boots. The schematic is the request's extensions + the class's
 * `extensions` + `siderolabs/qemu-guest-agent`, with the class's `kernel_args`; the join configuration
 * is NOT baked in (it travels as NoCloud user-data), so every request with the same extensions shares
 * one ISO per storage. Omni gives the nocloud ISO URL; Proxmox downloads it with `download-url`.
 */
import { done, retryAfter, type Step } from "../../infra/steps.ts";
import { registerSecret } from "../../observability/secrets.ts";
import { isProxmoxError } from "../../proxmox/index.ts";
import { talosIsoFileName } from "../images/index.ts";
import type { MachineState } from "../state/index.ts";
import { readCluster } from "./cluster.ts";
import { providerDataOf } from "./data.ts";
import { failureDelay, type ProvisionerDeps } from "./deps.ts";

/** Talos ships the guest agent as an extension; Proxmox needs it for graceful shutdown and IP reporting. */
export const QEMU_GUEST_AGENT = "siderolabs/qemu-guest-agent";

export function imageStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "image",
    async run(ctx) {
      const state = ctx.state;
      // The VM exists already (resumed, or taken over from the Go provider): it has its boot medium.
      if (state.vmid !== 0) return done();
      const data = providerDataOf(ctx.providerData);
      const asset = await ctx.ensureBootAsset({
        kind: "iso",
        platform: "nocloud",
        architecture: "amd64",
        extraExtensions: [...new Set([...data.extensions, QEMU_GUEST_AGENT])],
        extraKernelArgs: [...data.kernel_args],
        withoutConnectionParams: true,
        // Proxmox's download-url cannot send headers: image factory credentials must be in the URL.
        standaloneUrl: true,
      });
      if (new URL(asset.url).password !== "") registerSecret(asset.url);

      const shared = await isSharedStorage(deps, state.node, state.isoStorage);
      const fileName = talosIsoFileName(deps.providerId, asset.schematicId, ctx.talosVersion);
      try {
        state.volumeId = await deps.isos.ensure({
          node: state.node,
          storage: state.isoStorage,
          shared,
          fileName,
          url: asset.url,
        });
      } catch (err) {
        // Still downloading (a slow link): not a failure; the next run waits for the same download.
        if (isProxmoxError(err, "timeout")) {
          return retryAfter(
            deps.timing.busyRetryMs,
            `downloading the Talos ISO into ${state.isoStorage} on ${state.node}`,
          );
        }
        if (!isProxmoxError(err, "task_failed")) throw err;
        // A failed download is retried (a new task) after a growing delay; the reason stays on the request.
        state.downloadAttempts += 1;
        state.lastDiagnosis = `downloading the Talos ISO into ${state.isoStorage} on ${state.node} failed (attempt ${state.downloadAttempts}): ${err.message}`;
        return retryAfter(failureDelay(deps.timing, state.downloadAttempts), state.lastDiagnosis);
      }
      state.schematic = asset.schematicId;
      state.talosVersion = ctx.talosVersion;
      state.downloadAttempts = 0;
      state.lastDiagnosis = "";
      return done();
    },
  };
}

async function isSharedStorage(deps: ProvisionerDeps, node: string, storage: string): Promise<boolean> {
  const view = await readCluster(deps.pve);
  return view.storages.some((s) => s.storage === storage && s.node === node && s.shared === 1);
}
