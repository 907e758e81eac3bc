/**
 * Deterministic fake boot media: a few KiB whose bytes depend only on (schematic ID, version, file name),
 * so checksums are stable across runs and differ between schematics. Not a bootable image: the Proxmox
 * simulator only stores, hashes and attaches it.
 */
import { createHash } from "node:crypto";

const SECTOR = 2048;
/** 16 system-area sectors + volume descriptor, as a real ISO 9660 image starts, padded to 4 sectors of data. */
const SIZE = 20 * SECTOR;

/**
 * @example
 * const bytes = fakeIsoBytes("376567…b4ba", "v1.13.8", "nocloud-amd64.iso");
 * bytes.length; // 40960
 */
export function fakeIsoBytes(schematicId: string, version: string, fileName: string): Uint8Array {
  const out = new Uint8Array(SIZE);
  // Pseudo-random filler from a SHA-256 counter stream keyed by the identity of the asset.
  const seed = `${schematicId}\0${version}\0${fileName}`;
  for (let offset = 0, block = 0; offset < SIZE; block++) {
    const chunk = createHash("sha256").update(`${seed}\0${block}`).digest();
    out.set(chunk.subarray(0, Math.min(chunk.length, SIZE - offset)), offset);
    offset += chunk.length;
  }
  // A primary volume descriptor at sector 16 ("CD001") so tools recognising ISO images accept it.
  const pvd = 16 * SECTOR;
  out.fill(0, pvd, pvd + SECTOR);
  out[pvd] = 1;
  out.set(new TextEncoder().encode("CD001"), pvd + 1);
  out[pvd + 6] = 1;
  const label = new TextEncoder().encode(`TALOS ${version}`.slice(0, 32).padEnd(32, " "));
  out.set(label, pvd + 40);
  return out;
}
