/**
 * A minimal ISO 9660 (ECMA-119) image writer: one root directory holding a few regular files, with
 * Rock Ridge names and deliberately no Joliet supplementary descriptor.
 *
 * Why our own writer: the Go provider delegated this to a library; a library upgrade added a Joliet
 * descriptor and no VM joined Omni any more (upstream issue #84). Owning ~300 lines keeps the bytes we
 * hand to Talos fixed and testable.
 *
 * Layout (2048-byte logical sectors):
 *
 * | sector        | content                                             |
 * |---------------|-----------------------------------------------------|
 * | 0–15          | system area (zeros)                                 |
 * | 16            | primary volume descriptor                           |
 * | 17            | volume descriptor set terminator                    |
 * | 18            | type L path table (little-endian)                   |
 * | 19            | type M path table (big-endian)                      |
 * | 20            | SUSP continuation area holding the Rock Ridge ER    |
 * | 21…           | root directory extent                               |
 * | after that    | file data, each file starting on its own sector     |
 */
import { CidataError } from "./errors.ts";
import {
  bothEndian16,
  bothEndian32,
  concatBytes,
  directoryRecordDate,
  paddedText,
  uint16,
  uint32,
  volumeDate,
} from "./fields.ts";
import { ceEntry, erEntry, MODE_DIRECTORY, MODE_REGULAR, nmEntry, pxEntry, spEntry, tfEntry } from "./rockridge.ts";

export const SECTOR_SIZE = 2048;
const PVD_SECTOR = 16;
const TERMINATOR_SECTOR = 17;
const L_PATH_TABLE_SECTOR = 18;
const M_PATH_TABLE_SECTOR = 19;
const CONTINUATION_SECTOR = 20;
const ROOT_DIRECTORY_SECTOR = 21;
const STANDARD_IDENTIFIER = "CD001";
const FLAG_DIRECTORY = 0x02;
/** The largest real name we accept: keeps every directory record under the 255-byte limit. */
const MAX_NAME_BYTES = 100;
const MAX_FILE_BYTES = 0xffff_ffff;

export interface IsoFile {
  /** The POSIX name the guest sees through Rock Ridge, e.g. `user-data`. No `/`, at most 100 bytes. */
  readonly name: string;
  readonly data: Uint8Array;
}

export interface Iso9660Options {
  /** Volume identifier (the filesystem label), at most 32 characters of `[A-Za-z0-9_]`. */
  readonly volumeId: string;
  readonly files: readonly IsoFile[];
  /** Written into every timestamp, so equal inputs give byte-identical images. */
  readonly createdAt: Date;
  /** Optional application identifier of the primary volume descriptor. */
  readonly applicationId?: string;
  /**
   * Zero sectors appended after the last file and counted in the volume size, as mkisofs' `-pad` does,
   * so a CD-ROM driver's read-ahead near the end of the medium reads zeros instead of failing.
   */
  readonly trailingPaddingSectors?: number;
}

interface PlacedFile {
  readonly name: string;
  readonly isoName: string;
  readonly data: Uint8Array;
  extent: number;
}

/**
 * Builds an ISO 9660 image with Rock Ridge names and no Joliet, deterministically from its inputs.
 *
 * @example
 * const image = writeIso9660({
 *   volumeId: "cidata",
 *   createdAt: new Date("2026-01-01T00:00:00Z"),
 *   files: [{ name: "meta-data", data: new TextEncoder().encode("instance-id: x\n") }],
 * });
 * image.length % 2048 === 0; // true
 */
export function writeIso9660(options: Iso9660Options): Uint8Array {
  validateVolumeId(options.volumeId);
  validateDate(options.createdAt);
  const files = placeFiles(options.files);
  const date = options.createdAt;

  const continuation = erEntry();
  const records = rootDirectoryRecords(files, date, continuation.length);
  const directory = packDirectory(records);
  const directorySectors = directory.length / SECTOR_SIZE;

  let nextSector = ROOT_DIRECTORY_SECTOR + directorySectors;
  for (const file of files) {
    if (file.data.length === 0) continue;
    file.extent = nextSector;
    nextSector += sectorsFor(file.data.length);
  }
  const padding = options.trailingPaddingSectors ?? 0;
  if (!Number.isInteger(padding) || padding < 0 || padding > 4096) {
    throw new CidataError(
      "invalid_iso_input",
      "trailingPaddingSectors",
      `${padding} must be an integer from 0 to 4096`,
    );
  }
  const totalSectors = nextSector + padding;

  // The extents are known only now; rebuild the records with them (sizes do not change).
  const finalDirectory = packDirectory(rootDirectoryRecords(files, date, continuation.length, directory.length));

  const image = new Uint8Array(totalSectors * SECTOR_SIZE);
  image.set(primaryVolumeDescriptor(options, totalSectors, finalDirectory.length), PVD_SECTOR * SECTOR_SIZE);
  image.set(terminator(), TERMINATOR_SECTOR * SECTOR_SIZE);
  image.set(pathTable(true), L_PATH_TABLE_SECTOR * SECTOR_SIZE);
  image.set(pathTable(false), M_PATH_TABLE_SECTOR * SECTOR_SIZE);
  image.set(continuation, CONTINUATION_SECTOR * SECTOR_SIZE);
  image.set(finalDirectory, ROOT_DIRECTORY_SECTOR * SECTOR_SIZE);
  for (const file of files) {
    if (file.data.length > 0) image.set(file.data, file.extent * SECTOR_SIZE);
  }
  return image;
}

function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}

function validateVolumeId(volumeId: string): void {
  if (!/^[A-Za-z0-9_]{1,32}$/.test(volumeId)) {
    throw new CidataError(
      "invalid_iso_input",
      "volumeId",
      `"${volumeId}" is not a valid volume identifier; use 1–32 characters of A–Z, a–z, 0–9 and _ (e.g. "cidata")`,
    );
  }
}

function validateDate(date: Date): void {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1900 || year > 2155) {
    throw new CidataError(
      "invalid_iso_input",
      "createdAt",
      `${String(date)} cannot be recorded; ISO 9660 dates cover the years 1900–2155, pass a valid Date`,
    );
  }
}

/** Validates names, derives unique ISO 9660 level-1 identifiers and orders files as §9.3 requires. */
function placeFiles(files: readonly IsoFile[]): PlacedFile[] {
  const seenNames = new Set<string>();
  const seenIsoNames = new Set<string>();
  const placed = files.map((file, index): PlacedFile => {
    const field = `files[${index}].name`;
    const nameBytes = new TextEncoder().encode(file.name).length;
    if (
      nameBytes === 0 ||
      nameBytes > MAX_NAME_BYTES ||
      /[/\0]/.test(file.name) ||
      file.name === "." ||
      file.name === ".."
    ) {
      throw new CidataError(
        "invalid_iso_input",
        field,
        `"${file.name}" is not a usable file name; use 1–${MAX_NAME_BYTES} bytes without "/" or NUL`,
      );
    }
    if (seenNames.has(file.name)) {
      throw new CidataError("invalid_iso_input", field, `"${file.name}" appears twice; every file needs its own name`);
    }
    if (file.data.length > MAX_FILE_BYTES) {
      throw new CidataError("iso_too_large", `files[${index}].data`, `${file.data.length} bytes exceed 4 GiB - 1`);
    }
    seenNames.add(file.name);
    const isoName = uniqueIsoName(file.name, seenIsoNames);
    seenIsoNames.add(isoName);
    return { name: file.name, isoName, data: file.data, extent: 0 };
  });
  return placed.sort((a, b) => compareIsoNames(a.isoName, b.isoName));
}

/**
 * ISO 9660 level 1 identifier `NAME.EXT;1` (8.3 d-characters). Readers with Rock Ridge never show it;
 * it only has to be valid and unique.
 */
export function isoLevel1Name(name: string): { base: string; extension: string } {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_.]/g, "_");
  const dot = upper.lastIndexOf(".");
  const base = (dot > 0 ? upper.slice(0, dot) : upper).replaceAll(".", "_").slice(0, 8);
  const extension = dot > 0 ? upper.slice(dot + 1).slice(0, 3) : "";
  return { base: base === "" ? "_" : base, extension };
}

function uniqueIsoName(name: string, taken: ReadonlySet<string>): string {
  const { base, extension } = isoLevel1Name(name);
  let candidate = `${base}.${extension};1`;
  for (let counter = 1; taken.has(candidate); counter++) {
    const suffix = String(counter);
    candidate = `${base.slice(0, 8 - suffix.length)}${suffix}.${extension};1`;
  }
  return candidate;
}

/** §9.3: order by name then extension, each compared as if padded with spaces. */
function compareIsoNames(a: string, b: string): number {
  const key = (isoName: string) => {
    const [stem = "", ext = ""] = isoName.replace(/;1$/, "").split(".");
    return `${stem.padEnd(8, " ")}.${ext.padEnd(3, " ")}`;
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface RecordInput {
  readonly identifier: Uint8Array;
  readonly extent: number;
  readonly size: number;
  readonly flags: number;
  readonly date: Date;
  readonly systemUse: Uint8Array;
}

/** §9.1: one directory record, padded to an even length. */
function directoryRecord(input: RecordInput): Uint8Array {
  const idLength = input.identifier.length;
  const idPadding = idLength % 2 === 0 ? 1 : 0;
  const unpadded = 33 + idLength + idPadding + input.systemUse.length;
  const length = unpadded + (unpadded % 2);
  if (length > 255) throw new RangeError(`directory record of ${length} bytes exceeds 255`);
  const record = new Uint8Array(length);
  record[0] = length;
  record[1] = 0;
  record.set(bothEndian32(input.extent), 2);
  record.set(bothEndian32(input.size), 10);
  record.set(directoryRecordDate(input.date), 18);
  record[25] = input.flags;
  record[26] = 0;
  record[27] = 0;
  record.set(bothEndian16(1), 28);
  record[32] = idLength;
  record.set(input.identifier, 33);
  record.set(input.systemUse, 33 + idLength + idPadding);
  return record;
}

function rootDirectoryRecords(
  files: readonly PlacedFile[],
  date: Date,
  continuationLength: number,
  directorySize = SECTOR_SIZE,
): Uint8Array[] {
  const rootAttributes = concatBytes([pxEntry(MODE_DIRECTORY | 0o555, 2), tfEntry(date)]);
  const self = directoryRecord({
    identifier: Uint8Array.of(0),
    extent: ROOT_DIRECTORY_SECTOR,
    size: directorySize,
    flags: FLAG_DIRECTORY,
    date,
    // SP must come first in the root's "." record: it is how readers detect SUSP (and so Rock Ridge).
    systemUse: concatBytes([spEntry(), rootAttributes, ceEntry(CONTINUATION_SECTOR, 0, continuationLength)]),
  });
  const parent = directoryRecord({
    identifier: Uint8Array.of(1),
    extent: ROOT_DIRECTORY_SECTOR,
    size: directorySize,
    flags: FLAG_DIRECTORY,
    date,
    systemUse: rootAttributes,
  });
  const fileRecords = files.map((file) =>
    directoryRecord({
      identifier: new TextEncoder().encode(file.isoName),
      extent: file.extent,
      size: file.data.length,
      flags: 0,
      date,
      systemUse: concatBytes([pxEntry(MODE_REGULAR | 0o444, 1), tfEntry(date), nmEntry(file.name)]),
    }),
  );
  return [self, parent, ...fileRecords];
}

/** §6.8.1.1: records never straddle a sector boundary; the extent is a whole number of sectors. */
function packDirectory(records: readonly Uint8Array[]): Uint8Array {
  const sectors: Uint8Array[] = [];
  let current = new Uint8Array(SECTOR_SIZE);
  let offset = 0;
  for (const record of records) {
    if (offset + record.length > SECTOR_SIZE) {
      sectors.push(current);
      current = new Uint8Array(SECTOR_SIZE);
      offset = 0;
    }
    current.set(record, offset);
    offset += record.length;
  }
  sectors.push(current);
  return concatBytes(sectors);
}

/** §8.4: the primary volume descriptor. */
function primaryVolumeDescriptor(options: Iso9660Options, totalSectors: number, rootSize: number): Uint8Array {
  const pvd = new Uint8Array(SECTOR_SIZE);
  pvd[0] = 1;
  pvd.set(paddedText(STANDARD_IDENTIFIER, 5), 1);
  pvd[6] = 1;
  pvd.set(paddedText("", 32), 8); // system identifier
  pvd.set(paddedText(options.volumeId, 32), 40);
  pvd.set(bothEndian32(totalSectors), 80);
  pvd.set(bothEndian16(1), 120); // volume set size
  pvd.set(bothEndian16(1), 124); // volume sequence number
  pvd.set(bothEndian16(SECTOR_SIZE), 128);
  pvd.set(bothEndian32(PATH_TABLE_SIZE), 132);
  pvd.set(uint32(L_PATH_TABLE_SECTOR, true), 140);
  pvd.set(uint32(0, true), 144); // no optional L path table
  pvd.set(uint32(M_PATH_TABLE_SECTOR, false), 148);
  pvd.set(uint32(0, false), 152); // no optional M path table
  pvd.set(
    directoryRecord({
      identifier: Uint8Array.of(0),
      extent: ROOT_DIRECTORY_SECTOR,
      size: rootSize,
      flags: FLAG_DIRECTORY,
      date: options.createdAt,
      systemUse: new Uint8Array(0),
    }),
    156,
  );
  pvd.set(paddedText("", 128), 190); // volume set identifier
  pvd.set(paddedText("", 128), 318); // publisher
  pvd.set(paddedText("", 128), 446); // data preparer
  pvd.set(paddedText((options.applicationId ?? "").toUpperCase(), 128), 574);
  pvd.set(paddedText("", 37), 702); // copyright file
  pvd.set(paddedText("", 37), 739); // abstract file
  pvd.set(paddedText("", 37), 776); // bibliographic file
  pvd.set(volumeDate(options.createdAt), 813); // creation
  pvd.set(volumeDate(options.createdAt), 830); // modification
  pvd.set(volumeDate(undefined), 847); // expiration: none
  pvd.set(volumeDate(undefined), 864); // effective: immediately
  pvd[881] = 1; // file structure version
  return pvd;
}

/** §8.3: the volume descriptor set terminator. */
function terminator(): Uint8Array {
  const descriptor = new Uint8Array(SECTOR_SIZE);
  descriptor[0] = 255;
  descriptor.set(paddedText(STANDARD_IDENTIFIER, 5), 1);
  descriptor[6] = 1;
  return descriptor;
}

/** The root is the only directory, so each path table holds one 10-byte record. */
const PATH_TABLE_SIZE = 10;

/** §9.4: a path table record for the root (identifier 0x00, its own parent, number 1). */
function pathTable(littleEndian: boolean): Uint8Array {
  return concatBytes([
    Uint8Array.of(1, 0),
    uint32(ROOT_DIRECTORY_SECTOR, littleEndian),
    uint16(1, littleEndian),
    Uint8Array.of(0, 0),
  ]);
}
