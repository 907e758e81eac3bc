/**
 * Field encoders of ECMA-119 (ISO 9660) §7: numbers in little-, big- and both-byte orders, padded
 * character strings and the two date/time forms. Every writer returns the bytes it wrote so callers
 * can assemble records with `Uint8Array.set`.
 */

/** ISO 9660 §7.3.3 ("733"): a 32-bit unsigned number written little-endian then big-endian (8 bytes). */
export function bothEndian32(value: number): Uint8Array {
  assertUint(value, 0xffff_ffff);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, value, true);
  view.setUint32(4, value, false);
  return out;
}

/** ISO 9660 §7.2.3 ("723"): a 16-bit unsigned number written little-endian then big-endian (4 bytes). */
export function bothEndian16(value: number): Uint8Array {
  assertUint(value, 0xffff);
  const out = new Uint8Array(4);
  const view = new DataView(out.buffer);
  view.setUint16(0, value, true);
  view.setUint16(2, value, false);
  return out;
}

/** ISO 9660 §7.3.1 / §7.3.2 ("731" / "732"): a 32-bit number in one byte order (4 bytes). */
export function uint32(value: number, littleEndian: boolean): Uint8Array {
  assertUint(value, 0xffff_ffff);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, littleEndian);
  return out;
}

/** ISO 9660 §7.2.1 / §7.2.2 ("721" / "722"): a 16-bit number in one byte order (2 bytes). */
export function uint16(value: number, littleEndian: boolean): Uint8Array {
  assertUint(value, 0xffff);
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value, littleEndian);
  return out;
}

/** A fixed-width text field padded with spaces (the filler §8.4 prescribes for identifiers). */
export function paddedText(text: string, width: number): Uint8Array {
  const out = new Uint8Array(width).fill(0x20);
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > width) throw new RangeError(`text "${text}" is longer than ${width} bytes`);
  out.set(bytes);
  return out;
}

/**
 * ISO 9660 §9.1.5: the 7-byte recording date of a directory record (years since 1900, month, day,
 * hour, minute, second, offset from GMT in 15-minute units). We always write UTC.
 */
export function directoryRecordDate(date: Date): Uint8Array {
  return Uint8Array.of(
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  );
}

/**
 * ISO 9660 §8.4.26.1: the 17-byte volume date `YYYYMMDDHHMMSScc` plus the GMT offset byte, in UTC.
 * `undefined` writes the "not specified" form (sixteen ASCII zeros and a zero offset).
 */
export function volumeDate(date: Date | undefined): Uint8Array {
  const out = new Uint8Array(17);
  if (date === undefined) {
    out.set(new TextEncoder().encode("0".repeat(16)));
    return out;
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const text =
    String(date.getUTCFullYear()).padStart(4, "0") +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    two(Math.floor(date.getUTCMilliseconds() / 10));
  out.set(new TextEncoder().encode(text));
  return out;
}

/** Concatenates byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function assertUint(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${value} is not an unsigned integer ≤ ${max}`);
  }
}
