import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isInfraError } from "./errors.ts";
import { buildSchematic, schematicText } from "./schematic.ts";

const CONNECTION = ["talos.logging.kernel=tcp://x", "siderolink.api=https://y", "talos.events.sink=[::1]:1"];

describe("buildSchematic (§8.2)", () => {
  it("sorts request and connection kernel args together, then appends extras", () => {
    const doc = buildSchematic(
      { extensions: [], kernelArgs: ["zz=1", "console=ttyS0"], metaValues: [] },
      CONNECTION,
      { extraKernelArgs: ["b", "a"] },
      false,
    );
    assert.deepEqual(doc.customization.extraKernelArgs, [
      "console=ttyS0",
      "siderolink.api=https://y",
      "talos.events.sink=[::1]:1",
      "talos.logging.kernel=tcp://x",
      "zz=1",
      "b",
      "a",
    ]);
  });

  it("merges meta values, extensions and picks the overlay", () => {
    const doc = buildSchematic(
      {
        extensions: ["siderolabs/qemu-guest-agent", "siderolabs/iscsi-tools"],
        kernelArgs: [],
        metaValues: [
          { key: 10, value: "a" },
          { key: 11, value: "b" },
        ],
        overlay: { name: "rpi_generic", image: "siderolabs/sbc-raspberrypi" },
      },
      CONNECTION,
      {
        withoutConnectionParams: true,
        metaValues: [
          { key: 11, value: "B" },
          { key: 12, value: "c" },
        ],
        extraExtensions: ["siderolabs/iscsi-tools", "siderolabs/util-linux-tools"],
      },
      true,
    );
    assert.equal(doc.customization.extraKernelArgs, undefined);
    assert.deepEqual(doc.customization.meta, [
      { key: 10, value: "a" },
      { key: 11, value: "B" },
      { key: 12, value: "c" },
    ]);
    assert.deepEqual(doc.customization.systemExtensions?.officialExtensions, [
      "siderolabs/iscsi-tools",
      "siderolabs/qemu-guest-agent",
      "siderolabs/util-linux-tools",
    ]);
    assert.deepEqual(doc.overlay, { image: "siderolabs/sbc-raspberrypi", name: "rpi_generic" });
    assert.equal(schematicText({ customization: {} }), '{"customization":{}}');
  });

  it("refuses to bake a per-request token into a shared image", () => {
    assert.throws(
      () => buildSchematic({ extensions: [], kernelArgs: [], metaValues: [] }, CONNECTION, {}, true),
      (err) => isInfraError(err, "invalid_schematic"),
    );
  });
});
