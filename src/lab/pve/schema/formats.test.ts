import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkNamedFormat, compilePattern } from "./formats.ts";

describe("schema formats", () => {
  it("translates Perl patterns and anchors them", () => {
    assert.equal(compilePattern("(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)").test("10;20-30"), true);
    assert.equal(compilePattern("(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)").test("x10"), false);
    assert.equal(compilePattern("[A-Za-z0-9\\-_\\s]{,8}").test("ABCDEFGH"), true);
    assert.equal(compilePattern("[A-Za-z0-9\\-_\\s]{,8}").test("ABCDEFGHI"), false);
    assert.equal(compilePattern("https?://.*").test("ftp://x"), false);
  });

  it("checks the named formats a provider reaches", () => {
    assert.equal(checkNamedFormat("pve-node", "foxtrot"), undefined);
    assert.ok(checkNamedFormat("pve-node", "-bad"));
    assert.equal(checkNamedFormat("pve-storage-id", "vm_ssd"), undefined);
    assert.ok(checkNamedFormat("pve-storage-id", "1x"));
    assert.equal(checkNamedFormat("pve-tag-list", "machine-request.abc;go-proxmox+cloud-init"), undefined);
    assert.ok(checkNamedFormat("pve-tag-list", "ok;-bad"));
    assert.equal(checkNamedFormat("pve-configid-list", "unused0,ide2"), undefined);
    assert.equal(checkNamedFormat("mac-addr", "BC:24:11:00:00:01"), undefined);
    assert.ok(checkNamedFormat("mac-addr", "01:00:00:00:00:00"), "multicast MACs are not allowed");
    assert.equal(checkNamedFormat("dns-name", "talos-1.lab"), undefined);
    assert.ok(checkNamedFormat("dns-name", "talos_1"));
    assert.equal(checkNamedFormat("pve-volume-id-or-qm-path", "local:iso/talos.iso"), undefined);
    assert.equal(checkNamedFormat("pve-volume-id-or-qm-path", "vm_ssd:32"), undefined);
    assert.ok(checkNamedFormat("pve-volume-id", "nocolon"));
    assert.equal(checkNamedFormat("disk-size", "32G"), undefined);
    assert.equal(checkNamedFormat("some-unmodelled-format", "anything"), undefined);
  });
});

it("HA node lists accept an optional priority per node", () => {
  assert.equal(checkNamedFormat("pve-ha-node-list", "foxtrot:2,golf:1,hotel"), undefined);
  assert.notEqual(checkNamedFormat("pve-ha-node-list", "foxtrot:high"), undefined);
});
