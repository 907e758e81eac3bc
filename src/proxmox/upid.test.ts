import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProxmoxError } from "./errors.ts";
import { formatUpid, isUpid, parseUpid } from "./upid.ts";

describe("UPID", () => {
  it("parses every field", () => {
    assert.deepEqual(parseUpid("UPID:pve1:000A1B2C:0123ABCD:6740F00D:qmcreate:101:omni@pve!provider:"), {
      node: "pve1",
      pid: 0x000a1b2c,
      pstart: 0x0123abcd,
      starttime: 0x6740f00d,
      type: "qmcreate",
      id: "101",
      user: "omni@pve!provider",
    });
  });

  it("accepts an empty id and a 9-digit pstart", () => {
    const u = parseUpid("UPID:golf:00000001:1ABCDEF01:6740F00D:imgcopy::root@pam:");
    assert.equal(u.id, "");
    assert.equal(u.pstart, 0x1abcdef01);
  });

  it("formats back to the same text", () => {
    const text = "UPID:pve1:000A1B2C:0123ABCD:6740F00D:qmstart:101:root@pam:";
    assert.equal(formatUpid(parseUpid(text)), text);
  });

  it("rejects malformed ids", () => {
    for (const bad of [
      "",
      "UPID:pve1:1:2:3:qmstart:101:root@pam:",
      "UPID:pve1:000A1B2C:0123ABCD:6740F00D:qmstart:101:root@pam",
      "nonsense",
    ]) {
      assert.equal(isUpid(bad), false, bad);
      assert.throws(
        () => parseUpid(bad),
        (e: unknown) => e instanceof ProxmoxError && e.code === "invalid_params",
      );
    }
  });
});
