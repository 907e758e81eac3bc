/**
 * The lab's stand-in for a Talos VM booting: when the Proxmox simulator shows a VM running, look at
 * its media the way the guest would (a Talos boot ISO, a NoCloud `cidata` ISO with user-data), take the
 * join token from the SideroLink config, and tell the Omni simulator the machine joined. Asks nothing
 * of the provider: everything comes from the Proxmox model and the files behind its volumes.
 */
import type { PveSnapshot } from "../pve/admin.ts";
import { IsoImage, IsoReadError } from "./iso9660.ts";
import { readJoinConfig } from "./join-config.ts";
import { cdromDrives, smbiosUuid } from "./vm-media.ts";

/** Why a started VM did not register (the lab summary prints these). */
export type BootProblem =
  | "no_boot_iso"
  | "no_cidata"
  | "cidata_unreadable"
  | "no_user_data"
  | "user_data_invalid"
  | "no_siderolink_config"
  | "no_join_token"
  | "no_smbios_uuid"
  | "token_rejected";

interface BootBase {
  vmid: number;
  node: string;
  /** VM name (the provider names VMs after their request). */
  name?: string;
  uuid?: string;
  /** Volume ID of the Talos ISO and of the cidata ISO, when found. */
  bootIso?: string;
  cidataIso?: string;
}

export type BootOutcome =
  | (BootBase & { registered: true; uuid: string })
  | (BootBase & { registered: false; problem: BootProblem; detail: string });

/** Where VMs and volumes come from: the Proxmox simulator's admin snapshot. */
export interface PveSnapshotSource {
  snapshot(): Pick<PveSnapshot, "vms" | "volumes">;
}

/** Where machines join: the Omni simulator's admin `machineJoined` (throws when the token is refused). */
export interface MachineJoinSink {
  machineJoined(join: { machineUuid: string; joinToken?: string }): unknown;
}

export interface BootWatcherOptions {
  pve: PveSnapshotSource;
  omni: MachineJoinSink;
  /** Snapshot polling period for {@link BootWatcher.start} (default 100 ms). */
  intervalMs?: number;
  /** Called for every VM boot handled, registered or not. */
  onBoot?: (outcome: BootOutcome) => void;
  /**
   * Whether VMs already running at the first scan boot then (default false: they were up before the
   * lab looked, like the seed world's existing VMs, so they are not booting now).
   */
  bootRunningAtStart?: boolean;
}

type Vm = PveSnapshot["vms"][number];
type Volume = PveSnapshot["volumes"][number];

const CIDATA_VOLUME_ID = "cidata";

/**
 * Polls the Proxmox model and "boots" every VM that went to running.
 *
 * @example
 * const watcher = new BootWatcher({ pve: pve.admin, omni: omni.admin, onBoot: (o) => console.log(o) });
 * watcher.start();
 * // … later
 * watcher.stop();
 * watcher.outcomes().filter((o) => !o.registered); // VMs that booted without a usable join config
 */
export class BootWatcher {
  readonly #pve: PveSnapshotSource;
  readonly #omni: MachineJoinSink;
  readonly #intervalMs: number;
  readonly #onBoot: ((outcome: BootOutcome) => void) | undefined;
  /** VMs currently considered booted, keyed by VMID, with the UUID they booted with. */
  readonly #running = new Map<number, string>();
  readonly #outcomes = new Map<number, BootOutcome>();
  #timer: NodeJS.Timeout | undefined;
  #firstScan: boolean;

  constructor(options: BootWatcherOptions) {
    this.#pve = options.pve;
    this.#omni = options.omni;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#onBoot = options.onBoot;
    this.#firstScan = !options.bootRunningAtStart;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.scan(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Boots every VM that started since the last scan; returns what happened to each. */
  scan(): BootOutcome[] {
    const { vms, volumes } = this.#pve.snapshot();
    const baseline = this.#firstScan;
    this.#firstScan = false;
    const booted: BootOutcome[] = [];
    const present = new Set<number>();
    for (const vm of vms) {
      present.add(vm.vmid);
      const bootKey = smbiosUuid(vm.config) ?? "";
      if (vm.status !== "running") {
        this.#running.delete(vm.vmid);
        continue;
      }
      // Same VM still up with the same identity: it booted already.
      if (this.#running.get(vm.vmid) === bootKey) continue;
      this.#running.set(vm.vmid, bootKey);
      if (baseline) continue;
      const outcome = this.#boot(vm, volumes);
      this.#outcomes.set(vm.vmid, outcome);
      booted.push(outcome);
      this.#onBoot?.(outcome);
    }
    for (const vmid of this.#running.keys()) if (!present.has(vmid)) this.#running.delete(vmid);
    return booted;
  }

  /** The latest boot of every VM seen (VMs deleted since keep their last outcome). */
  outcomes(): BootOutcome[] {
    return [...this.#outcomes.values()].sort((a, b) => a.vmid - b.vmid);
  }

  #boot(vm: Vm, volumes: Volume[]): BootOutcome {
    const base: BootBase = { vmid: vm.vmid, node: vm.node };
    if (typeof vm.config.name === "string") base.name = vm.config.name;
    const uuid = smbiosUuid(vm.config);
    if (uuid) base.uuid = uuid;
    const fail = (problem: BootProblem, detail: string): BootOutcome => ({
      ...base,
      registered: false,
      problem,
      detail,
    });

    let cidataFile: string | undefined;
    for (const drive of cdromDrives(vm.config)) {
      if (!drive.volid) continue;
      const volume = volumes.find((v) => v.volid === drive.volid && (v.node === undefined || v.node === vm.node));
      if (!volume) continue;
      const label = volume.filePath ? volumeLabel(volume.filePath) : undefined;
      if (label !== undefined && label.toLowerCase() === CIDATA_VOLUME_ID) {
        base.cidataIso ??= drive.volid;
        cidataFile ??= volume.filePath;
      } else {
        base.bootIso ??= drive.volid;
      }
    }
    if (!base.bootIso) {
      return fail(
        "no_boot_iso",
        "no CD-ROM drive holds an existing ISO volume other than cidata: nothing to boot Talos from",
      );
    }
    if (!base.cidataIso || !cidataFile) {
      return fail(
        "no_cidata",
        `no CD-ROM drive holds an ISO with volume ID "${CIDATA_VOLUME_ID}" (drives: ${describeDrives(vm)}): Talos finds no NoCloud config`,
      );
    }
    let userData: string;
    try {
      userData = IsoImage.withFile(cidataFile, (iso) => iso.readFile("/user-data").toString("utf8"));
    } catch (err) {
      if (err instanceof IsoReadError && err.code === "not_found") {
        return fail("no_user_data", `${base.cidataIso}: ${err.message}`);
      }
      return fail("cidata_unreadable", `${base.cidataIso}: ${(err as Error).message}`);
    }
    const join = readJoinConfig(userData);
    if (!join.ok) return fail(join.problem, `${base.cidataIso}: ${join.detail}`);
    if (!uuid) {
      return fail(
        "no_smbios_uuid",
        "smbios1 has no uuid: the machine would join under an ID the provider never reported",
      );
    }
    try {
      this.#omni.machineJoined({ machineUuid: uuid, joinToken: join.joinToken });
    } catch (err) {
      // The simulator's message is already scrubbed of the token.
      return fail("token_rejected", (err as Error).message);
    }
    return { ...base, uuid, registered: true };
  }
}

/** The ISO volume ID of a file, or undefined when it is not an ISO 9660 image. */
function volumeLabel(path: string): string | undefined {
  try {
    return IsoImage.withFile(path, (iso) => iso.volumeId);
  } catch {
    return undefined;
  }
}

function describeDrives(vm: Vm): string {
  const drives = cdromDrives(vm.config);
  return drives.length === 0 ? "none" : drives.map((d) => `${d.slot}=${d.volid ?? "empty"}`).join(", ");
}
