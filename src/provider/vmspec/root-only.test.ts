import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainRootOnlyOptions } from "./root-only.ts";
import type { ApiIdentity, VmProviderData } from "./types.ts";

const base: VmProviderData = { cores: 2, memory: 4096, disk_size: 20 };
const token: ApiIdentity = { kind: "token", tokenId: "root@pam!omni" };
const rootPassword: ApiIdentity = { kind: "password", user: "root@pam" };
const otherPassword: ApiIdentity = { kind: "password", user: "omni@pve" };

describe("explainRootOnlyOptions", () => {
  test("a plain class needs no root", () => {
    assert.deepEqual(explainRootOnlyOptions(base, token), []);
  });

  test("hugepages is refused to every token, even root@pam's, at validation time", () => {
    const errors = explainRootOnlyOptions({ ...base, hugepages: "1024" }, token);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, "root_only_option");
    assert.equal(errors[0]!.field, "hugepages");
    assert.match(errors[0]!.message, /root@pam!omni/);
    assert.match(errors[0]!.message, /remove hugepages or configure the provider with root@pam username\/password/);
  });

  test("a non-root password user is refused too; root@pam with a password may", () => {
    assert.equal(explainRootOnlyOptions({ ...base, hugepages: "any" }, otherPassword).length, 1);
    assert.deepEqual(explainRootOnlyOptions({ ...base, hugepages: "any" }, rootPassword), []);
  });

  test("raw PCI and USB devices need root; mappings and SPICE do not", () => {
    const data: VmProviderData = {
      ...base,
      pci_devices: [{ mapping: "gpu" }, { id: "0000:01:00.0" }],
      usb_devices: [{ mapping: "sdr" }, { host: "1d6b:0002" }, { host: "spice" }],
    };
    assert.deepEqual(
      explainRootOnlyOptions(data, token).map((err) => err.field),
      ["pci_devices[1].id", "usb_devices[1].host"],
    );
    assert.match(explainRootOnlyOptions(data, token)[0]!.message, /mapping: <name>/);
  });

  test("args, affinity and keephugepages are caught if they ever reach the spec", () => {
    const data = { ...base, args: "-cpu host", affinity: "0-3", keephugepages: true };
    assert.deepEqual(
      explainRootOnlyOptions(data, token).map((err) => err.field),
      ["keephugepages", "args", "affinity"],
    );
  });
});
