/** Removing what the steps created: the request's VM(s) wherever they are, HA resource, disks, cidata image. */
export { deprovisionRequest } from "./deprovision.ts";
export { type RemoveVmOptions, removeVm } from "./remove-vm.ts";
export { deleteVolume, type IsoFile, type IsoLocation, isoLocations, listIsoFiles } from "./volumes.ts";
