/**
 * Regenerates src/lab/pve/schema/pve-api.json — the facts of the official PVE API schema for every endpoint
 * the simulator serves — from Proxmox's full `apidata.json`:
 *
 *   npm run pve-schema -- PATH/TO/apidata.json          write the file
 *   npm run pve-schema -- PATH/TO/apidata.json --check  exit 1 if the committed file differs
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PVE_ROUTES } from "../src/lab/pve/index.ts";
import { extractSchemaFacts, serializeSchemaFacts } from "../src/lab/pve/schema/extract.ts";
import type { SchemaNode } from "../src/lab/pve/schema/types.ts";

const OUT = fileURLToPath(new URL("../src/lab/pve/schema/pve-api.json", import.meta.url));

const args = process.argv.slice(2);
const check = args.includes("--check");
const input = args.find((a) => !a.startsWith("--"));
if (!input) {
  console.error("usage: npm run pve-schema -- PATH/TO/apidata.json [--check]");
  process.exit(2);
}
const roots = JSON.parse(readFileSync(input, "utf8")) as SchemaNode[];
const text = serializeSchemaFacts(extractSchemaFacts(roots, Object.keys(PVE_ROUTES)));
if (check) {
  let current = "";
  try {
    current = readFileSync(OUT, "utf8");
  } catch {
    // a missing file differs like any other
  }
  if (current !== text) {
    console.error(`${OUT} is out of date: run npm run pve-schema -- ${input}`);
    process.exit(1);
  }
  console.log(`${OUT} is up to date`);
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT} (${Object.keys(PVE_ROUTES).length} endpoints, ${text.length} bytes)`);
}
