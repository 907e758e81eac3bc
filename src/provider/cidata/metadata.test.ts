import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { isCidataError } from "./errors.ts";
import { nocloudMetaData } from "./metadata.ts";

describe("nocloudMetaData", () => {
  test("carries instance-id and the host name under local-hostname and hostname", () => {
    const text = nocloudMetaData({
      instanceId: "8c5e3f0e-1d2a-4b7c-9e10-0f1e2d3c4b5a",
      hostname: "talos-prod-01-cp-1",
    });
    assert.equal(
      text,
      'instance-id: "8c5e3f0e-1d2a-4b7c-9e10-0f1e2d3c4b5a"\nlocal-hostname: "talos-prod-01-cp-1"\nhostname: "talos-prod-01-cp-1"\n',
    );
    assert.deepEqual(parse(text), {
      "instance-id": "8c5e3f0e-1d2a-4b7c-9e10-0f1e2d3c4b5a",
      "local-hostname": "talos-prod-01-cp-1",
      hostname: "talos-prod-01-cp-1",
    });
  });

  test("a host name that looks like a number stays a string", () => {
    assert.equal(parse(nocloudMetaData({ instanceId: "1", hostname: "1234" }))["local-hostname"], "1234");
  });

  test("accepts an FQDN", () => {
    assert.match(
      nocloudMetaData({ instanceId: "x", hostname: "cp-1.matrix.lan" }),
      /local-hostname: "cp-1.matrix.lan"/,
    );
  });

  test("rejects unusable values, naming the field", () => {
    const cases: Array<[{ instanceId: string; hostname: string }, string]> = [
      [{ instanceId: "", hostname: "ok" }, "instanceId"],
      [{ instanceId: "a b", hostname: "ok" }, "instanceId"],
      [{ instanceId: "x", hostname: "Upper_Case" }, "hostname"],
      [{ instanceId: "x", hostname: "-leading" }, "hostname"],
      [{ instanceId: "x", hostname: `${"a".repeat(64)}` }, "hostname"],
      [{ instanceId: "x", hostname: "a..b" }, "hostname"],
      [{ instanceId: "x", hostname: "line\nbreak" }, "hostname"],
    ];
    for (const [input, field] of cases) {
      assert.throws(
        () => nocloudMetaData(input),
        (err: unknown) => isCidataError(err, "invalid_metadata") && err.field === field,
        JSON.stringify(input),
      );
    }
  });
});
