import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isVmSpecError } from "./errors.ts";
import { markTags, readVmMarks, tagSafe, vmDescription, vmNameFor, vmTags } from "./marks.ts";

const marks = {
  providerId: "matrix-cluster",
  requestId: "talos-prod-01-workers-x7k2p",
  machineUuid: "7d3c2b1a-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
};

describe("vmNameFor", () => {
  test("keeps Omni request IDs as they are", () => {
    assert.equal(vmNameFor("talos-prod-01-workers-x7k2p"), "talos-prod-01-workers-x7k2p");
  });

  test("turns anything else into a valid dns-name", () => {
    const dnsName =
      /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
    for (const id of ["odd_id", "-lead", "trail-", "a..b", "x".repeat(80), "Upper Case", "a.-b"]) {
      const name = vmNameFor(id);
      assert.match(name, dnsName, `${id} → ${name}`);
      for (const label of name.split(".")) assert.ok(label.length <= 63);
    }
    assert.equal(vmNameFor("odd_id"), "odd-id");
  });

  test("refuses an ID with nothing usable", () => {
    assert.throws(
      () => vmNameFor("__"),
      (err: unknown) => isVmSpecError(err, "invalid_vm_input"),
    );
  });
});

describe("tags", () => {
  test("mark tags are lower-case and within the pve-tag charset", () => {
    assert.deepEqual(markTags("Matrix", "Req_ABC/1"), [
      "omni-proxmox",
      "omni-provider.matrix",
      "omni-request.req_abc_1",
    ]);
    assert.equal(tagSafe("A b"), "a_b");
  });

  test("user tags are validated, merged, de-duplicated and sorted", () => {
    assert.deepEqual(vmTags(marks, ["Prod", "prod", "omni-proxmox"]), [
      "omni-provider.matrix-cluster",
      "omni-proxmox",
      "omni-request.talos-prod-01-workers-x7k2p",
      "prod",
    ]);
    assert.throws(
      () => vmTags(marks, ["ok", "-bad"]),
      (err: unknown) => isVmSpecError(err, "invalid_vm_input") && err.field === "tags[1]",
    );
  });
});

describe("readVmMarks", () => {
  test("reads the description marks exactly", () => {
    assert.deepEqual(readVmMarks({ description: vmDescription(marks, "note") }), marks);
  });

  test("falls back to tags (lower-case) when the description was edited away", () => {
    const tags = vmTags(marks).join(";");
    assert.deepEqual(readVmMarks({ description: "someone edited this", tags }), {
      providerId: "matrix-cluster",
      requestId: "talos-prod-01-workers-x7k2p",
    });
  });

  test("finds nothing on a VM that is not ours", () => {
    assert.deepEqual(readVmMarks({ description: "web server", tags: "prod;web" }), {});
    assert.deepEqual(readVmMarks({}), {});
  });
});
