/**
 * A strict, independent-from-the-writer ISO 9660 reader for tests: it checks both-endian fields agree,
 * walks the root directory, decodes SUSP / Rock Ridge entries (following CE continuations) and returns
 * what a Linux guest would see. Flat root directories only — that is all a cidata image has.
 */

const SECTOR = 2048;

export interface ReadIsoEntry {
  readonly isoName: string;
  /** Rock Ridge NM name, when present. */
  readonly name: string | undefined;
  readonly mode: number | undefined;
  readonly data: Uint8Array;
}

export interface ReadIso {
  readonly volumeId: string;
  /** Volume descriptor types in order, e.g. [1, 255]; 2 would be a supplementary (Joliet) descriptor. */
  readonly descriptorTypes: number[];
  readonly volumeSpaceSize: number;
  readonly logicalBlockSize: number;
  readonly rockRidge: boolean;
  readonly extensionIds: string[];
  readonly entries: ReadIsoEntry[];
  readonly pathTableRootExtent: { little: number; big: number };
}

function both32(view: DataView, offset: number, what: string): number {
  const little = view.getUint32(offset, true);
  const big = view.getUint32(offset + 4, false);
  if (little !== big) throw new Error(`${what}: little-endian ${little} ≠ big-endian ${big}`);
  return little;
}

function both16(view: DataView, offset: number, what: string): number {
  const little = view.getUint16(offset, true);
  const big = view.getUint16(offset + 2, false);
  if (little !== big) throw new Error(`${what}: little-endian ${little} ≠ big-endian ${big}`);
  return little;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

interface SuspResult {
  name?: string;
  mode?: number;
  sp?: boolean;
  er: string[];
}

function readSusp(image: Uint8Array, area: Uint8Array, into: SuspResult, depth = 0): void {
  if (depth > 8) throw new Error("SUSP continuation chain too deep");
  const view = new DataView(area.buffer, area.byteOffset, area.byteLength);
  let offset = 0;
  while (offset + 4 <= area.length) {
    const signature = String.fromCharCode(area[offset]!, area[offset + 1]!);
    const length = area[offset + 2]!;
    if (length < 4 || offset + length > area.length) break;
    const body = area.subarray(offset + 4, offset + length);
    const bodyView = new DataView(view.buffer, view.byteOffset + offset + 4, length - 4);
    switch (signature) {
      case "SP":
        into.sp = body[0] === 0xbe && body[1] === 0xef;
        break;
      case "NM":
        into.name = (into.name ?? "") + text(body.subarray(1));
        break;
      case "PX":
        into.mode = both32(bodyView, 0, "PX mode");
        break;
      case "ER": {
        const idLength = body[0]!;
        into.er.push(text(body.subarray(4, 4 + idLength)));
        break;
      }
      case "CE": {
        const block = both32(bodyView, 0, "CE block");
        const ceOffset = both32(bodyView, 8, "CE offset");
        const ceLength = both32(bodyView, 16, "CE length");
        const start = block * SECTOR + ceOffset;
        readSusp(image, image.subarray(start, start + ceLength), into, depth + 1);
        break;
      }
      case "ST":
        return;
    }
    offset += length;
  }
}

/** Parses an ISO 9660 image the way a Rock Ridge aware reader does. */
export function readIso(image: Uint8Array): ReadIso {
  if (image.length % SECTOR !== 0) throw new Error(`image size ${image.length} is not a multiple of ${SECTOR}`);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const descriptorTypes: number[] = [];
  let pvdOffset = -1;
  for (let sector = 16; ; sector++) {
    const offset = sector * SECTOR;
    if (offset + SECTOR > image.length) throw new Error("no volume descriptor set terminator");
    if (text(image.subarray(offset + 1, offset + 6)) !== "CD001") throw new Error(`sector ${sector}: no CD001`);
    const type = image[offset]!;
    descriptorTypes.push(type);
    if (type === 1 && pvdOffset < 0) pvdOffset = offset;
    if (type === 255) break;
  }
  if (pvdOffset < 0) throw new Error("no primary volume descriptor");

  const volumeId = text(image.subarray(pvdOffset + 40, pvdOffset + 72)).trimEnd();
  const volumeSpaceSize = both32(view, pvdOffset + 80, "volume space size");
  const logicalBlockSize = both16(view, pvdOffset + 128, "logical block size");
  both16(view, pvdOffset + 120, "volume set size");
  both16(view, pvdOffset + 124, "volume sequence number");
  both32(view, pvdOffset + 132, "path table size");
  if (volumeSpaceSize * logicalBlockSize !== image.length) {
    throw new Error(`volume space size ${volumeSpaceSize} × ${logicalBlockSize} ≠ image length ${image.length}`);
  }
  const lPathTable = view.getUint32(pvdOffset + 140, true);
  const mPathTable = view.getUint32(pvdOffset + 148, false);
  const pathTableRootExtent = {
    little: view.getUint32(lPathTable * SECTOR + 2, true),
    big: view.getUint32(mPathTable * SECTOR + 2, false),
  };

  const rootRecord = pvdOffset + 156;
  const rootExtent = both32(view, rootRecord + 2, "root extent");
  const rootSize = both32(view, rootRecord + 10, "root size");

  const entries: ReadIsoEntry[] = [];
  const extensionIds: string[] = [];
  let rockRidge = false;
  for (let offset = rootExtent * SECTOR; offset < rootExtent * SECTOR + rootSize; ) {
    const length = image[offset]!;
    if (length === 0) {
      offset = (Math.floor(offset / SECTOR) + 1) * SECTOR; // rest of this sector is padding
      continue;
    }
    const extent = both32(view, offset + 2, "record extent");
    const size = both32(view, offset + 10, "record size");
    both16(view, offset + 28, "record volume sequence number");
    const idLength = image[offset + 32]!;
    const identifier = image.subarray(offset + 33, offset + 33 + idLength);
    const suspStart = offset + 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
    const susp: SuspResult = { er: [] };
    readSusp(image, image.subarray(suspStart, offset + length), susp);
    extensionIds.push(...susp.er);
    const isSelf = idLength === 1 && identifier[0] === 0;
    const isParent = idLength === 1 && identifier[0] === 1;
    if (isSelf) rockRidge = susp.sp === true;
    if (!isSelf && !isParent) {
      entries.push({
        isoName: text(identifier),
        name: susp.name,
        mode: susp.mode,
        data: image.slice(extent * SECTOR, extent * SECTOR + size),
      });
    }
    offset += length;
  }
  return {
    volumeId,
    descriptorTypes,
    volumeSpaceSize,
    logicalBlockSize,
    rockRidge,
    extensionIds,
    entries,
    pathTableRootExtent,
  };
}
