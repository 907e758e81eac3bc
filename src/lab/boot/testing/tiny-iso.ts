/**
 * Test support: builds a tiny single-directory ISO 9660 image by hand, byte by byte, so the reader is
 * checked against an image whose every field the test controls (and against xorriso output separately).
 * Not a general writer: files in the root directory only, one sector of directory records.
 */

const SECTOR = 2048;

export interface TinyIsoOptions {
  volumeId: string;
  files: Record<string, string | Buffer>;
  /** Record Rock Ridge NM names (default true); without them only 8.3 names remain. */
  rockRidge?: boolean;
  /** Split each Rock Ridge name into two NM entries joined by the CONTINUE flag. */
  splitNames?: boolean;
  /** Put the NM entries of these files into a continuation area (CE) instead of the record. */
  continuedNames?: string[];
}

export function buildTinyIso(options: TinyIsoOptions): Buffer {
  const rockRidge = options.rockRidge ?? true;
  const names = Object.keys(options.files);
  const contents: Buffer[] = names.map((n) => {
    const c = options.files[n] ?? "";
    return typeof c === "string" ? Buffer.from(c, "utf8") : c;
  });
  const rootSector = 18;
  const continuationSector = 19;
  let nextSector = 20;
  const extents = contents.map((c) => {
    if (c.length === 0) return 0;
    const at = nextSector;
    nextSector += Math.ceil(c.length / SECTOR);
    return at;
  });
  const totalSectors = nextSector;
  const image = Buffer.alloc(totalSectors * SECTOR);

  // Directory records of the root.
  const continuation: Uint8Array[] = [];
  const records: Uint8Array[] = [];
  const sp = rockRidge ? suspEntry("SP", Buffer.from([0xbe, 0xef, 0])) : Buffer.alloc(0);
  records.push(directoryRecord(Buffer.from([0]), rootSector, SECTOR, true, sp));
  records.push(directoryRecord(Buffer.from([1]), rootSector, SECTOR, true, Buffer.alloc(0)));
  for (const [i, name] of names.entries()) {
    let systemUse: Buffer = Buffer.alloc(0);
    if (rockRidge) {
      const nm = options.splitNames
        ? Buffer.concat([nmEntry(name.slice(0, 3), true), nmEntry(name.slice(3), false)])
        : nmEntry(name, false);
      if (options.continuedNames?.includes(name)) {
        const offset = continuation.reduce((sum, b) => sum + b.length, 0);
        continuation.push(nm);
        systemUse = ceEntry(continuationSector, offset, nm.length);
      } else {
        systemUse = nm;
      }
    }
    const content = contents[i] ?? Buffer.alloc(0);
    records.push(directoryRecord(isoName(name, i), extents[i] ?? 0, content.length, false, systemUse));
  }
  Buffer.concat(records).copy(image, rootSector * SECTOR);
  Buffer.concat(continuation).copy(image, continuationSector * SECTOR);
  for (const [i, content] of contents.entries()) content.copy(image, (extents[i] ?? 0) * SECTOR);

  // Primary volume descriptor.
  const pvd = image.subarray(16 * SECTOR, 17 * SECTOR);
  pvd[0] = 1;
  pvd.write("CD001", 1, "latin1");
  pvd[6] = 1;
  pvd.write(pad("LINUX", 32), 8, "latin1");
  pvd.write(pad(options.volumeId, 32), 40, "latin1");
  bothEndian32(pvd, 80, totalSectors);
  bothEndian16(pvd, 120, 1);
  bothEndian16(pvd, 124, 1);
  bothEndian16(pvd, 128, SECTOR);
  directoryRecord(Buffer.from([0]), rootSector, SECTOR, true, Buffer.alloc(0)).copy(pvd, 156);
  pvd[881] = 1;
  // Terminator.
  const end = image.subarray(17 * SECTOR, 18 * SECTOR);
  end[0] = 255;
  end.write("CD001", 1, "latin1");
  end[6] = 1;
  return image;
}

function directoryRecord(name: Buffer, extent: number, size: number, dir: boolean, systemUse: Buffer): Buffer {
  const padding = name.length % 2 === 0 ? 1 : 0;
  let length = 33 + name.length + padding + systemUse.length;
  length += length % 2;
  const r = Buffer.alloc(length);
  r[0] = length;
  bothEndian32(r, 2, extent);
  bothEndian32(r, 10, size);
  r[25] = dir ? 2 : 0;
  bothEndian16(r, 28, 1);
  r[32] = name.length;
  name.copy(r, 33);
  systemUse.copy(r, 33 + name.length + padding);
  return r;
}

function isoName(name: string, index: number): Buffer {
  const base = name
    .replace(/[^A-Za-z0-9]/g, "_")
    .toUpperCase()
    .slice(0, 6);
  return Buffer.from(`${base}${index}.;1`, "latin1");
}

function suspEntry(signature: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(signature, "latin1"), Buffer.from([4 + data.length, 1]), data]);
}

function nmEntry(part: string, more: boolean): Buffer {
  return suspEntry("NM", Buffer.concat([Buffer.from([more ? 1 : 0]), Buffer.from(part, "utf8")]));
}

function ceEntry(block: number, offset: number, length: number): Buffer {
  const data = Buffer.alloc(24);
  bothEndian32(data, 0, block);
  bothEndian32(data, 8, offset);
  bothEndian32(data, 16, length);
  return suspEntry("CE", data);
}

function bothEndian32(b: Buffer, at: number, value: number): void {
  b.writeUInt32LE(value, at);
  b.writeUInt32BE(value, at + 4);
}

function bothEndian16(b: Buffer, at: number, value: number): void {
  b.writeUInt16LE(value, at);
  b.writeUInt16BE(value, at + 2);
}

function pad(text: string, length: number): string {
  return text.padEnd(length, " ").slice(0, length);
}
