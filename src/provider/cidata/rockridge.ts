/**
 * System Use Sharing Protocol (SUSP 1.10) and Rock Ridge (RRIP 1.09, "RRIP_1991A") entries.
 *
 * Rock Ridge is what makes the guest see `user-data` rather than the ISO 9660 name `USER_DAT.`: Linux's
 * isofs reads the NM (alternate name) entry of each directory record once the root's SP entry says the
 * volume uses SUSP. Every entry is `signature(2) length(1) version(1) payload`.
 */
import { bothEndian32, concatBytes, directoryRecordDate } from "./fields.ts";

/** The extension identifier RRIP 1.09 registers in its ER entry; PX entries are then 36 bytes long. */
export const RRIP_IDENTIFIER = "RRIP_1991A";
const RRIP_DESCRIPTION = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
const RRIP_SOURCE =
  "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

/** POSIX file type bits used in PX modes. */
export const MODE_DIRECTORY = 0o040000;
export const MODE_REGULAR = 0o100000;

function entry(signature: string, payload: Uint8Array): Uint8Array {
  const length = 4 + payload.length;
  if (length > 255) throw new RangeError(`SUSP entry ${signature} is ${length} bytes, more than 255`);
  const out = new Uint8Array(length);
  out[0] = signature.charCodeAt(0);
  out[1] = signature.charCodeAt(1);
  out[2] = length;
  out[3] = 1;
  out.set(payload, 4);
  return out;
}

/** SUSP §5.3 SP: marks the volume as using SUSP; must open the root "." record's system use area. */
export function spEntry(): Uint8Array {
  return entry("SP", Uint8Array.of(0xbe, 0xef, 0));
}

/** SUSP §5.1 CE: the rest of this record's system use entries live at `block`/`offset`, `length` bytes. */
export function ceEntry(block: number, offset: number, length: number): Uint8Array {
  return entry("CE", concatBytes([bothEndian32(block), bothEndian32(offset), bothEndian32(length)]));
}

/** SUSP §5.5 ER: names the extension (Rock Ridge) the volume's system use entries follow. */
export function erEntry(): Uint8Array {
  const encoder = new TextEncoder();
  const id = encoder.encode(RRIP_IDENTIFIER);
  const description = encoder.encode(RRIP_DESCRIPTION);
  const source = encoder.encode(RRIP_SOURCE);
  const header = Uint8Array.of(id.length, description.length, source.length, 1);
  return entry("ER", concatBytes([header, id, description, source]));
}

/** RRIP §4.1.1 PX: POSIX mode, link count, uid and gid (RRIP 1.09 form, without a serial number). */
export function pxEntry(mode: number, links: number): Uint8Array {
  return entry("PX", concatBytes([bothEndian32(mode), bothEndian32(links), bothEndian32(0), bothEndian32(0)]));
}

/** RRIP §4.1.6 TF: modification, access and attribute-change times, all set to `date` (short form). */
export function tfEntry(date: Date): Uint8Array {
  const stamp = directoryRecordDate(date);
  const flagsModifyAccessAttributes = 0b0000_1110;
  return entry("TF", concatBytes([Uint8Array.of(flagsModifyAccessAttributes), stamp, stamp, stamp]));
}

/** RRIP §4.1.4 NM: the file's real (POSIX) name, in one piece. */
export function nmEntry(name: string): Uint8Array {
  return entry("NM", concatBytes([Uint8Array.of(0), new TextEncoder().encode(name)]));
}
