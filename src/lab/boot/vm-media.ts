/**
 * Reading a Proxmox VM config the way the hypervisor does at start: which CD-ROM drives carry which
 * volumes, and the SMBIOS UUID the guest will see. Pure functions on the config map.
 */

export interface CdromDrive {
  /** `ide2`, `sata0`, … */
  slot: string;
  /** `local:iso/talos.iso`, or undefined for an empty drive (`none`, `cdrom`). */
  volid?: string;
}

const DRIVE_KEY = /^(ide|sata|scsi)\d+$/;

/**
 * CD-ROM drives of a VM config, ide before sata before scsi, then by index (the firmware's scan order).
 *
 * @example
 * cdromDrives({ ide2: "local:iso/talos.iso,media=cdrom", scsi0: "vm_ssd:vm-100-disk-0,size=50G" });
 * // [{ slot: "ide2", volid: "local:iso/talos.iso" }]
 */
export function cdromDrives(config: Record<string, string | number>): CdromDrive[] {
  const drives: CdromDrive[] = [];
  for (const [slot, raw] of Object.entries(config)) {
    if (!DRIVE_KEY.test(slot) || typeof raw !== "string") continue;
    const parts = raw.split(",");
    const first = parts[0] ?? "";
    const isCdrom = parts.slice(1).some((p) => p === "media=cdrom") || first === "cdrom";
    if (!isCdrom) continue;
    const volume = first.startsWith("file=") ? first.slice("file=".length) : first;
    drives.push(volume === "none" || volume === "cdrom" || volume === "" ? { slot } : { slot, volid: volume });
  }
  const order = (slot: string): number => {
    const bus = slot.startsWith("ide") ? 0 : slot.startsWith("sata") ? 1 : 2;
    return bus * 1000 + Number(slot.replace(/^\D+/, ""));
  };
  return drives.sort((a, b) => order(a.slot) - order(b.slot));
}

/**
 * The SMBIOS type-1 UUID from `smbios1` (`uuid=…,manufacturer=…`), lowercased; undefined when unset.
 *
 * @example
 * smbiosUuid({ smbios1: "uuid=8D1F2C44-93B7-4B0E-9A8E-0A3F2B6C1D11,base64=0" }); // "8d1f2c44-…"
 */
export function smbiosUuid(config: Record<string, string | number>): string | undefined {
  const raw = config.smbios1;
  if (typeof raw !== "string") return undefined;
  for (const part of raw.split(",")) {
    const [key, value] = part.split("=", 2);
    if (key === "uuid" && value && /^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/.test(value)) {
      return value.toLowerCase();
    }
  }
  return undefined;
}
