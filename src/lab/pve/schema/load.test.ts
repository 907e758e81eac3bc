import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiSchemaError, loadApiSchema, SCHEMA_ENV_VAR } from "./index.ts";

describe("loadApiSchema", () => {
  it("indexes the committed schema facts by method and template", () => {
    const schema = loadApiSchema();
    assert.ok(schema.endpoints.length >= 40);
    assert.ok(schema.byKey.get("POST /nodes/{node}/qemu"));
    assert.ok(schema.byKey.get("GET /cluster/ha/rules"));
  });

  it("names the path and the env var when the schema is missing", () => {
    assert.throws(
      () => loadApiSchema("/nonexistent/apidata.json"),
      (err) =>
        err instanceof ApiSchemaError &&
        err.code === "schema_not_found" &&
        err.message.includes("/nonexistent/apidata.json") &&
        err.message.includes(SCHEMA_ENV_VAR),
    );
  });
});
