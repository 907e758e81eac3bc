/**
 * `cidata`: the NoCloud image the VM reads its join configuration from — built here (ISO 9660 + Rock
 * Ridge, label `cidata`, no Joliet), uploaded under a name unique to the request into the cidata
 * storage of the node the VM is on now, and attached as a CD-ROM. `user-data` is the join config from
 * the runtime, `meta-data` carries instance-id + local-hostname (the host name goes here, not into a
 * config patch), `network-config` is added for static networking.
 */
import { Readable } from "node:stream";
import { done, fail, retryAfter, type Step, type StepContext, type StepResult } from "../../infra/steps.ts";
import { isProxmoxError } from "../../proxmox/index.ts";
import {
  buildCidataIso,
  isCidataError,
  nocloudMetaData,
  nocloudNetworkConfig,
  staticNetworkingFor,
} from "../cidata/index.ts";
import { cidataFileName, isoVolumeId } from "../images/index.ts";
import { CIDATA_BYTES } from "../placement/index.ts";
import { compileStorageSelector, selectStorage } from "../selectors/index.ts";
import type { MachineState } from "../state/index.ts";
import { CIDATA_DRIVE, cidataDrive, encodeVmConfig, stableMac, vmNameFor } from "../vmspec/index.ts";
import { placementSnapshot, readCluster } from "./cluster.ts";
import { providerDataOf } from "./data.ts";
import { failureDelay, type ProvisionerDeps } from "./deps.ts";
import { ProvisionError } from "./errors.ts";
import { requireRequestVm } from "./locate.ts";
import { awaitTask } from "./tasks.ts";

/** Every timestamp inside the image: equal inputs give byte-identical images. */
const CIDATA_EPOCH = new Date(Date.UTC(2025, 0, 1));

export function cidataStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "cidata",
    async run(ctx) {
      const state = ctx.state;
      const vm = await requireRequestVm(deps.pve, {
        providerId: deps.providerId,
        requestId: ctx.requestId,
        vmid: state.vmid,
        uuid: state.uuid,
      });
      if (vm instanceof ProvisionError) return fail(vm);
      let image: Uint8Array;
      try {
        image = buildImage(ctx, vm.vmid);
      } catch (err) {
        if (isCidataError(err)) return fail(new ProvisionError("cidata_failed", err.message, { cause: err }));
        throw err;
      }
      // A VM taken over from the Go provider was never placed by us: choose the cidata storage now.
      const storage = state.cidataStorage !== "" ? state.cidataStorage : await chooseCidataStorage(deps, ctx, vm.node);
      if (typeof storage !== "string") return fail(storage);
      const fileName = cidataFileName(deps.providerId, ctx.requestId);
      const volid = isoVolumeId(storage, fileName);
      // Upload every time: Proxmox overwrites the file, and the join token may have changed since a crash.
      const upload = await deps.pve.upload(vm.node, storage, {
        content: "iso",
        filename: fileName,
        source: { stream: Readable.from([image]), size: image.byteLength },
      });
      const uploaded = await awaitTask(deps.pve, upload, deps.timing.task);
      if (uploaded.kind === "running") return retryAfter(deps.timing.busyRetryMs, undefined);
      if (uploaded.kind === "failed")
        return retry(deps, ctx, `uploading ${volid} to ${vm.node} failed: ${uploaded.error.message}`);
      state.cidataVolume = volid;
      state.cidataStorage = storage;

      if (!String(vm.config[CIDATA_DRIVE] ?? "").startsWith(`${volid},`)) {
        let task: string | null;
        try {
          task = await deps.pve.updateVmConfig(vm.node, vm.vmid, encodeVmConfig(cidataDrive(volid)));
        } catch (err) {
          if (isProxmoxError(err, "locked"))
            return retryAfter(deps.timing.busyRetryMs, `VM ${vm.vmid} is locked; attaching the cidata image later`);
          throw err;
        }
        if (task) {
          const attached = await awaitTask(deps.pve, task, deps.timing.task);
          if (attached.kind === "running") return retryAfter(deps.timing.busyRetryMs, undefined);
          if (attached.kind === "failed")
            return retry(deps, ctx, `attaching ${volid} to VM ${vm.vmid} failed: ${attached.error.message}`);
        }
      }
      state.lastDiagnosis = "";
      return done();
    },
  };
}

async function chooseCidataStorage(
  deps: ProvisionerDeps,
  ctx: StepContext<MachineState>,
  node: string,
): Promise<string | ProvisionError> {
  const data = providerDataOf(ctx.providerData);
  const selector = data.cidata_storage_selector ?? "true";
  const compiled = compileStorageSelector(selector);
  if (!compiled.ok)
    return new ProvisionError("cidata_failed", `cidata_storage_selector: ${compiled.error.message}`, {
      cause: compiled.error,
    });
  const snapshot = placementSnapshot(await readCluster(deps.pve), deps.providerId, []);
  const pick = selectStorage(compiled.program, snapshot.storages, { node, content: "iso", needBytes: CIDATA_BYTES });
  if (!pick.ok)
    return new ProvisionError("cidata_failed", `no storage on ${node} can hold the cidata image: ${pick.message}`);
  return pick.storage.storage;
}

function buildImage(ctx: StepContext<MachineState>, vmid: number): Uint8Array {
  const state = ctx.state;
  const data = providerDataOf(ctx.providerData);
  const mac = state.mac !== "" ? state.mac : stableMac(ctx.requestId, 0);
  const networking = staticNetworkingFor(data, { vmid, mac });
  return buildCidataIso({
    userData: ctx.connection.joinConfig,
    metaData: nocloudMetaData({ instanceId: state.uuid, hostname: hostnameFor(ctx.requestId) }),
    ...(networking ? { networkConfig: nocloudNetworkConfig(networking) } : {}),
    createdAt: CIDATA_EPOCH,
  });
}

/** The machine's host name: the request ID as a DNS name, lower-case, each label at most 63 characters. */
export function hostnameFor(requestId: string): string {
  return vmNameFor(requestId).toLowerCase();
}

function retry(deps: ProvisionerDeps, ctx: StepContext<MachineState>, reason: string): StepResult {
  ctx.state.lastDiagnosis = reason;
  return retryAfter(failureDelay(deps.timing, 1), reason);
}
