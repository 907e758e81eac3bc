/**
 * A minimal, read-only ISO 9660 reader with Rock Ridge names (SUSP `NM`, following `CE` continuations).
 * Written for the lab from the ECMA-119 / SUSP / RRIP layouts, independently of the provider's writer:
 * the "booting VM" must read what the provider wrote the way a real guest would, so a bug in the
 * writer cannot hide behind shared code.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

const SECTOR = 2048;
const FIRST_DESCRIPTOR_SECTOR = 16;
const MAX_DESCRIPTORS = 64;
const MAX_DIRECTORY_DEPTH = 32;

export type IsoReadErrorCode =
  | "not_iso"
  | "truncated"
  | "no_primary_descriptor"
  | "not_found"
  | "not_a_file"
  | "not_a_directory";

export class IsoReadError extends Error {
  readonly code: IsoReadErrorCode;

  constructor(code: IsoReadErrorCode, message: string) {
    super(message);
    this.name = "IsoReadError";
    this.code = code;
  }
}

/** Random access to the image bytes. */
export type ReadAt = (offset: number, length: number) => Buffer;

export interface IsoEntry {
  /** Rock Ridge name when present, else the ISO 9660 name without its `;1` version. */
  name: string;
  /** The 8.3-style name as recorded in the directory record. */
  isoName: string;
  isDirectory: boolean;
  size: number;
  /** First logical block of the file's data. */
  extent: number;
}

/**
 * An opened image: volume descriptor facts plus directory listing and file reads.
 *
 * @example
 * const iso = IsoImage.fromBuffer(readFileSync("cidata.iso"));
 * iso.volumeId; // "cidata"
 * iso.readFile("/user-data").toString("utf8");
 */
export class IsoImage {
  readonly volumeId: string;
  readonly systemId: string;
  readonly logicalBlockSize: number;
  readonly volumeBlocks: number;
  /** True when the root directory announces SUSP and entries carry Rock Ridge names. */
  readonly rockRidge: boolean;
  readonly #readAt: ReadAt;
  readonly #root: IsoEntry | undefined;
  readonly #suspSkip: number;

  private constructor(readAt: ReadAt, size: number) {
    this.#readAt = readAt;
    let primary: Buffer | undefined;
    for (let i = 0; i < MAX_DESCRIPTORS; i++) {
      const offset = (FIRST_DESCRIPTOR_SECTOR + i) * SECTOR;
      if (offset + SECTOR > size) {
        if (primary) break;
        throw new IsoReadError("truncated", `image ends at byte ${size} before the volume descriptor terminator`);
      }
      const d = readAt(offset, SECTOR);
      if (d.toString("latin1", 1, 6) !== "CD001") {
        // Tolerate a missing terminator once the primary descriptor is known (some stub images omit it).
        if (primary) break;
        throw new IsoReadError("not_iso", `no ISO 9660 volume descriptor at sector ${16 + i} (missing "CD001")`);
      }
      const type = d[0];
      if (type === 1 && !primary) primary = d;
      if (type === 255) break;
    }
    if (!primary) throw new IsoReadError("no_primary_descriptor", "the image has no primary volume descriptor");
    this.systemId = trimPadding(primary.toString("latin1", 8, 40));
    this.volumeId = trimPadding(primary.toString("latin1", 40, 72));
    this.volumeBlocks = primary.readUInt32LE(80);
    this.logicalBlockSize = primary.readUInt16LE(128);
    const root = parseRecord(primary.subarray(156, 190));
    // Without a root record the image still has a volume ID (stub images); listing it then fails.
    this.#root = root ? { ...root, name: "", isDirectory: true } : undefined;
    // SUSP: the root's "." record starts its system-use area with SP, which also says how many bytes to skip.
    const dot = this.#root ? this.#records(this.#root)[0] : undefined;
    const sp = dot ? findSuspEntry(dot.systemUse, "SP") : undefined;
    this.#suspSkip = sp && sp[4] === 0xbe && sp[5] === 0xef ? (sp[6] ?? 0) : -1;
    this.rockRidge = this.#suspSkip >= 0;
  }

  static fromBuffer(buffer: Buffer): IsoImage {
    return new IsoImage((offset, length) => {
      if (offset + length > buffer.length) {
        throw new IsoReadError(
          "truncated",
          `read of ${length} bytes at ${offset} runs past the image end (${buffer.length})`,
        );
      }
      return buffer.subarray(offset, offset + length);
    }, buffer.length);
  }

  /** Opens a file on disk, reads what `use` needs, and closes it (images can be large: no full read). */
  static withFile<T>(path: string, use: (image: IsoImage) => T): T {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      const readAt: ReadAt = (offset, length) => {
        const out = Buffer.alloc(length);
        const got = readSync(fd, out, 0, length, offset);
        if (got < length) {
          throw new IsoReadError(
            "truncated",
            `read of ${length} bytes at ${offset} got ${got} (image is ${size} bytes)`,
          );
        }
        return out;
      };
      return use(new IsoImage(readAt, size));
    } finally {
      closeSync(fd);
    }
  }

  /** Entries of a directory (`/` or `/a/b`), without `.` and `..`. */
  list(path = "/"): IsoEntry[] {
    const dir = this.#resolve(path);
    if (!dir.isDirectory) throw new IsoReadError("not_a_directory", `${path} is a file, not a directory`);
    return this.#entries(dir);
  }

  /** Whole contents of a file. */
  readFile(path: string): Buffer {
    const entry = this.#resolve(path);
    if (entry.isDirectory) throw new IsoReadError("not_a_file", `${path} is a directory`);
    if (entry.size === 0) return Buffer.alloc(0);
    return Buffer.from(this.#readAt(entry.extent * this.logicalBlockSize, entry.size));
  }

  /** Whether a file exists at `path`. */
  has(path: string): boolean {
    try {
      this.#resolve(path);
      return true;
    } catch (err) {
      if (err instanceof IsoReadError && err.code === "not_found") return false;
      throw err;
    }
  }

  #resolve(path: string): IsoEntry {
    const parts = path.split("/").filter((p) => p !== "");
    if (parts.length > MAX_DIRECTORY_DEPTH) throw new IsoReadError("not_found", `${path}: too deep`);
    if (!this.#root)
      throw new IsoReadError("not_iso", "the primary volume descriptor's root directory record is empty");
    let current: IsoEntry = this.#root;
    for (const [i, part] of parts.entries()) {
      if (!current.isDirectory)
        throw new IsoReadError("not_found", `${path}: ${parts.slice(0, i).join("/")} is a file`);
      const next = this.#entries(current).find((e) => e.name === part);
      if (!next) {
        const names = this.#entries(current).map((e) => e.name);
        throw new IsoReadError(
          "not_found",
          `${path}: no "${part}" (directory holds: ${names.join(", ") || "nothing"})`,
        );
      }
      current = next;
    }
    return current;
  }

  #entries(dir: IsoEntry): IsoEntry[] {
    return this.#records(dir)
      .filter((r) => !(r.isoName === "\u0000" || r.isoName === "\u0001"))
      .map((r) => {
        const rrName = this.rockRidge ? this.#rockRidgeName(r.systemUse) : undefined;
        return {
          name: rrName ?? plainName(r.isoName),
          isoName: r.isoName,
          isDirectory: r.isDirectory,
          size: r.size,
          extent: r.extent,
        };
      });
  }

  #records(dir: IsoEntry): RawRecord[] {
    const data = this.#readAt(dir.extent * this.logicalBlockSize, roundUp(dir.size, SECTOR));
    const out: RawRecord[] = [];
    let pos = 0;
    while (pos < dir.size) {
      const length = data[pos] ?? 0;
      if (length === 0) {
        // Records never straddle a sector: a zero length byte pads to the next sector.
        pos = roundUp(pos + 1, SECTOR);
        continue;
      }
      const record = parseRecord(data.subarray(pos, pos + length));
      if (record) out.push(record);
      pos += length;
    }
    return out;
  }

  /** Concatenates NM components (CONTINUE flag) across the system-use area and its CE continuations. */
  #rockRidgeName(systemUse: Buffer): string | undefined {
    let name: string | undefined;
    for (const entry of this.#suspEntries(systemUse.subarray(Math.max(0, this.#suspSkip)))) {
      if (entry.toString("latin1", 0, 2) !== "NM") continue;
      const flags = entry[4] ?? 0;
      if (flags & 0b110) return undefined; // "." or ".." alias: not a real name
      name = (name ?? "") + entry.toString("utf8", 5);
      if (!(flags & 1)) break;
    }
    return name;
  }

  #suspEntries(area: Buffer, depth = 0): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos + 4 <= area.length) {
      const signature = area.toString("latin1", pos, pos + 2);
      const length = area[pos + 2] ?? 0;
      if (length < 4 || pos + length > area.length) break;
      const entry = area.subarray(pos, pos + length);
      if (signature === "ST") break;
      if (signature === "CE" && depth < 8) {
        const block = entry.readUInt32LE(4);
        const offset = entry.readUInt32LE(12);
        const size = entry.readUInt32LE(20);
        const continuation = this.#readAt(block * this.logicalBlockSize + offset, size);
        out.push(...this.#suspEntries(continuation, depth + 1));
      } else {
        out.push(entry);
      }
      pos += length;
    }
    return out;
  }
}

interface RawRecord {
  isoName: string;
  isDirectory: boolean;
  size: number;
  extent: number;
  systemUse: Buffer;
}

function parseRecord(record: Buffer): RawRecord | undefined {
  const length = record[0] ?? 0;
  if (length < 34 || record.length < length) return undefined;
  const nameLength = record[32] ?? 0;
  const nameEnd = 33 + nameLength;
  // The name field is padded to an even offset before the system-use area.
  const systemUseStart = nameEnd + (nameLength % 2 === 0 ? 1 : 0);
  return {
    extent: record.readUInt32LE(2),
    size: record.readUInt32LE(10),
    isDirectory: ((record[25] ?? 0) & 0b10) !== 0,
    isoName: record.toString("latin1", 33, nameEnd),
    systemUse: record.subarray(Math.min(systemUseStart, length), length),
  };
}

/** The first SUSP entry with this signature in an area (no continuation following). */
function findSuspEntry(area: Buffer, signature: string): Buffer | undefined {
  let pos = 0;
  while (pos + 4 <= area.length) {
    const length = area[pos + 2] ?? 0;
    if (length < 4) return undefined;
    if (area.toString("latin1", pos, pos + 2) === signature) return area.subarray(pos, pos + length);
    pos += length;
  }
  return undefined;
}

/** `USER_DAT.;1` → `USER_DAT`, `README.TXT;1` → `README.TXT`. */
function plainName(isoName: string): string {
  return isoName.replace(/;\d+$/, "").replace(/\.$/, "");
}

function trimPadding(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === " " || text[end - 1] === "\u0000")) end--;
  return text.slice(0, end);
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Reads only the volume descriptors of an image file: its volume ID (cheap on multi-GB images). */
export function readIsoVolumeId(path: string): string {
  return IsoImage.withFile(path, (image) => image.volumeId);
}
