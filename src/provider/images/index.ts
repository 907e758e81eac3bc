/** Talos ISOs and NoCloud images in Proxmox storages: file names (our marks) and shared downloads. */
export {
  cidataFileName,
  cidataPrefix,
  isoFileOf,
  isoVolumeId,
  isTalosIsoOf,
  talosIsoFileName,
  talosIsoPrefix,
} from "./names.ts";
export { IsoShare, type IsoShareOptions, type IsoTarget } from "./share.ts";
