import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PVE_ROUTES } from "../index.ts";
import { extractSchemaFacts, serializeSchemaFacts } from "./extract.ts";
import { defaultSchemaPath, loadApiSchema } from "./load.ts";
import type { SchemaNode } from "./types.ts";

/** The full official schema, present only where the repository sits beside the project's shared folder. */
const FULL_SCHEMA = fileURLToPath(new URL("../../../../../shared/proxmox/apidata.json", import.meta.url));

const tiny: SchemaNode[] = [
  {
    path: "/nodes",
    info: { GET: { name: "index", description: "Cluster node index.", parameters: { additionalProperties: 0 } } },
    children: [
      {
        path: "/nodes/{node}/qemu",
        info: {
          POST: {
            description: "Create or restore a virtual machine.",
            protected: 1,
            proxyto: "node",
            permissions: { check: ["perm", "/vms/{vmid}", ["VM.Allocate"]] },
            parameters: {
              additionalProperties: 0,
              properties: {
                node: { type: "string", format: "pve-node", description: "The cluster node name." },
                "scsi[n]": {
                  type: "string",
                  optional: 1,
                  description: "Use volume as SCSI hard disk or CD-ROM (n is 0 to 30).",
                  format: { file: { type: "string", default_key: 1, description: "The drive's backing volume." } },
                },
              },
            },
          },
        },
      },
    ],
  },
];

describe("PVE schema facts (pve-api.json)", () => {
  it("keeps facts, drops prose, and turns the index range of `[n]` keys into indexMax", () => {
    const facts = extractSchemaFacts(tiny, ["POST /nodes/{node}/qemu"]);
    assert.deepEqual(facts.endpoints, [
      {
        path: "/nodes/{node}/qemu",
        info: {
          POST: {
            protected: 1,
            proxyto: "node",
            parameters: {
              additionalProperties: 0,
              properties: {
                node: { type: "string", format: "pve-node" },
                "scsi[n]": {
                  type: "string",
                  optional: 1,
                  format: { file: { type: "string", default_key: 1 } },
                  indexMax: 30,
                },
              },
            },
          },
        },
      },
    ]);
    assert.doesNotMatch(serializeSchemaFacts(facts), /description/);
  });

  it("refuses a served endpoint the schema does not have", () => {
    assert.throws(() => extractSchemaFacts(tiny, ["GET /nodes/{node}/bogus"]), /GET \/nodes\/\{node\}\/bogus/);
  });

  it("the committed file holds every endpoint the simulator serves, and nothing else", () => {
    const schema = loadApiSchema(defaultSchemaPath());
    assert.deepEqual([...schema.byKey.keys()].sort(), Object.keys(PVE_ROUTES).sort());
    // `description` appears as a parameter name (qemu config), never as prose.
    assert.doesNotMatch(readFileSync(defaultSchemaPath(), "utf8"), /"description": "/);
  });

  it("the committed file equals the generator's output from the full official schema", (t) => {
    if (!existsSync(FULL_SCHEMA)) {
      t.skip(`full schema not beside the repository (${FULL_SCHEMA}); nothing to compare with`);
      return;
    }
    const roots = JSON.parse(readFileSync(FULL_SCHEMA, "utf8")) as SchemaNode[];
    const expected = serializeSchemaFacts(extractSchemaFacts(roots, Object.keys(PVE_ROUTES)));
    assert.ok(
      readFileSync(defaultSchemaPath(), "utf8") === expected,
      `src/lab/pve/schema/pve-api.json is out of date: run npm run pve-schema -- ${FULL_SCHEMA}`,
    );
  });
});
