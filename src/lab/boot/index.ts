/**
 * The lab's "VM boot": an independent ISO 9660 reader and the watcher that turns started Proxmox VMs
 * with a valid NoCloud join config into Omni machine registrations.
 */
export {
  type BootOutcome,
  type BootProblem,
  BootWatcher,
  type BootWatcherOptions,
  type MachineJoinSink,
  type PveSnapshotSource,
} from "./boot-watcher.ts";
export { type IsoEntry, IsoImage, IsoReadError, type IsoReadErrorCode, readIsoVolumeId } from "./iso9660.ts";
export { type JoinConfigReading, readJoinConfig } from "./join-config.ts";
export { type CdromDrive, cdromDrives, smbiosUuid } from "./vm-media.ts";
