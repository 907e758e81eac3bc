import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isCidataError } from "./errors.ts";
import { type IsoFile, isoLevel1Name, SECTOR_SIZE, writeIso9660 } from "./iso9660.ts";
import { readIso } from "./testing/read-iso.ts";

const createdAt = new Date("2026-03-04T05:06:07Z");
const encode = (text: string) => new TextEncoder().encode(text);

function toolAvailable(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.error === undefined;
}
const xorrisoSkip = toolAvailable("xorriso", ["-version"])
  ? false
  : "xorriso is not installed (apt-get install -y xorriso); CI installs it";
const isoinfoSkip = toolAvailable("isoinfo", ["-version"])
  ? false
  : "isoinfo is not installed (apt-get install -y genisoimage)";

const workDir = mkdtempSync(join(tmpdir(), "cidata-iso-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

function binaryPattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const sampleFiles: IsoFile[] = [
  { name: "user-data", data: encode("version: v1alpha1\nmachine:\n  type: worker\n") },
  { name: "meta-data", data: encode('instance-id: "abc"\n') },
  { name: "network-config", data: binaryPattern(SECTOR_SIZE, 7) }, // exactly one sector
  { name: "vendor-data", data: binaryPattern(SECTOR_SIZE + 1, 3) }, // one byte into a second sector
  { name: "empty", data: new Uint8Array(0) },
];

function writeImage(fileName: string, image: Uint8Array): string {
  const path = join(workDir, fileName);
  writeFileSync(path, image);
  return path;
}

/** Extracts the whole image with xorriso and returns name → bytes. */
function extractWithXorriso(isoPath: string): Map<string, Uint8Array> {
  const target = mkdtempSync(join(workDir, "extract-"));
  rmSync(target, { recursive: true });
  const result = spawnSync("xorriso", ["-indev", isoPath, "-osirrox", "on", "-extract", "/", target], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  return new Map(readdirSync(target).map((name) => [name, new Uint8Array(readFileSync(join(target, name)))]));
}

describe("writeIso9660", () => {
  test("xorriso reads every file back byte for byte under its Rock Ridge name", { skip: xorrisoSkip }, () => {
    const path = writeImage("sample.iso", writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt }));
    const extracted = extractWithXorriso(path);
    assert.deepEqual([...extracted.keys()].sort(), sampleFiles.map((file) => file.name).sort());
    for (const file of sampleFiles) assert.deepEqual(extracted.get(file.name), file.data, file.name);
  });

  test("xorriso reports the volume id and a Rock Ridge tree", { skip: xorrisoSkip }, () => {
    const path = writeImage("pvd.iso", writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt }));
    const result = spawnSync("xorriso", ["-indev", path, "-pvd_info", "-toc"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, /^Volume Id\s*:\s*cidata\s*$/m);
    assert.match(output, /ISO loaded\s*:\s*Rock_Ridge/);
    assert.match(output, /Creation Time: 2026030405060700/);
  });

  test("isoinfo finds Rock Ridge, no Joliet, and the real names", { skip: isoinfoSkip }, () => {
    const path = writeImage("isoinfo.iso", writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt }));
    const summary = spawnSync("isoinfo", ["-d", "-i", path], { encoding: "utf8" });
    assert.equal(summary.status, 0, summary.stderr);
    assert.match(summary.stdout, /^Volume id: cidata$/m);
    assert.match(summary.stdout, /NO Joliet present/);
    assert.match(summary.stdout, /Rock Ridge signatures version 1 found/);
    const listing = spawnSync("isoinfo", ["-l", "-R", "-i", path], { encoding: "utf8" });
    for (const file of sampleFiles) assert.match(listing.stdout, new RegExp(`\\s${file.name}\\s*$`, "m"));
    const read = spawnSync("isoinfo", ["-R", "-x", "/user-data", "-i", path]);
    assert.deepEqual(new Uint8Array(read.stdout), sampleFiles[0]!.data);
  });

  test("has exactly one primary descriptor and the terminator: no Joliet supplementary descriptor", () => {
    const image = writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt });
    const parsed = readIso(image);
    assert.deepEqual(parsed.descriptorTypes, [1, 255]);
    assert.equal(parsed.volumeId, "cidata");
    // Belt and braces: no sector of the image starts a type-2 descriptor.
    for (let offset = 0; offset < image.length; offset += SECTOR_SIZE) {
      const isDescriptor = new TextDecoder().decode(image.subarray(offset + 1, offset + 6)) === "CD001";
      if (isDescriptor) assert.notEqual(image[offset], 2, `supplementary descriptor at sector ${offset / SECTOR_SIZE}`);
    }
  });

  test("an independent reader sees SUSP, the RRIP ER entry, consistent both-endian fields and path tables", () => {
    const parsed = readIso(writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt }));
    assert.equal(parsed.rockRidge, true);
    assert.deepEqual(parsed.extensionIds, ["RRIP_1991A"]);
    assert.equal(parsed.logicalBlockSize, SECTOR_SIZE);
    assert.equal(parsed.pathTableRootExtent.little, parsed.pathTableRootExtent.big);
    const byName = new Map(parsed.entries.map((entry) => [entry.name, entry]));
    for (const file of sampleFiles) {
      const entry = byName.get(file.name);
      assert.ok(entry, file.name);
      assert.deepEqual(entry.data, file.data);
      assert.equal(entry.mode, 0o100444);
    }
    assert.deepEqual(
      parsed.entries.map((entry) => entry.isoName),
      ["EMPTY.;1", "META_DAT.;1", "NETWORK_.;1", "USER_DAT.;1", "VENDOR_D.;1"],
      "level-1 identifiers, sorted",
    );
  });

  test("is deterministic: equal inputs give identical bytes, another timestamp changes them", () => {
    const first = writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt });
    const second = writeIso9660({ volumeId: "cidata", files: [...sampleFiles].reverse(), createdAt });
    assert.deepEqual(first, second);
    const later = writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt: new Date("2026-03-04T05:06:08Z") });
    assert.notDeepEqual(first, later);
  });

  test("image is whole sectors and the trailing padding counts in the volume size", () => {
    const plain = writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt });
    const padded = writeIso9660({ volumeId: "cidata", files: sampleFiles, createdAt, trailingPaddingSectors: 150 });
    assert.equal(plain.length % SECTOR_SIZE, 0);
    assert.equal(padded.length, plain.length + 150 * SECTOR_SIZE);
    assert.equal(readIso(padded).volumeSpaceSize, padded.length / SECTOR_SIZE);
  });

  test("a root directory larger than one sector is split on record boundaries", { skip: xorrisoSkip }, () => {
    const files = Array.from({ length: 40 }, (_, index) => ({
      name: `file-${String(index).padStart(2, "0")}-${"x".repeat(80)}`,
      data: encode(`content ${index}\n`),
    }));
    const image = writeIso9660({ volumeId: "MANY", files, createdAt });
    const parsed = readIso(image);
    assert.equal(parsed.entries.length, 40);
    assert.equal(new Set(parsed.entries.map((entry) => entry.isoName)).size, 40, "identifiers are unique");
    const extracted = extractWithXorriso(writeImage("many.iso", image));
    for (const file of files) assert.deepEqual(extracted.get(file.name), file.data);
  });

  test("level-1 identifiers are upper-case 8.3 d-characters", () => {
    assert.deepEqual(isoLevel1Name("user-data"), { base: "USER_DAT", extension: "" });
    assert.deepEqual(isoLevel1Name("talos.config.yaml"), { base: "TALOS_CO", extension: "YAM" });
    assert.deepEqual(isoLevel1Name(".hidden"), { base: "_HIDDEN", extension: "" });
  });

  test("rejects inputs it cannot encode, naming the field", () => {
    const cases: Array<[string, () => unknown, string]> = [
      ["volume id with a space", () => writeIso9660({ volumeId: "ci data", files: [], createdAt }), "volumeId"],
      ["volume id too long", () => writeIso9660({ volumeId: "x".repeat(33), files: [], createdAt }), "volumeId"],
      [
        "name with a slash",
        () => writeIso9660({ volumeId: "cidata", files: [{ name: "a/b", data: new Uint8Array() }], createdAt }),
        "files[0].name",
      ],
      [
        "duplicate name",
        () =>
          writeIso9660({
            volumeId: "cidata",
            files: [
              { name: "a", data: new Uint8Array() },
              { name: "a", data: new Uint8Array() },
            ],
            createdAt,
          }),
        "files[1].name",
      ],
      ["invalid date", () => writeIso9660({ volumeId: "cidata", files: [], createdAt: new Date("nope") }), "createdAt"],
      [
        "negative padding",
        () => writeIso9660({ volumeId: "cidata", files: [], createdAt, trailingPaddingSectors: -1 }),
        "trailingPaddingSectors",
      ],
    ];
    for (const [label, run, field] of cases) {
      assert.throws(run, (err: unknown) => isCidataError(err, "invalid_iso_input") && err.field === field, label);
    }
  });
});
