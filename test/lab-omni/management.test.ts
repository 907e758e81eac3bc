import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  canonicalSchematicYaml,
  parseSchematic,
  SchematicError,
  schematicId,
  startImageFactory,
} from "../../src/lab/factory/index.ts";
import { encodeJoinToken } from "../../src/lab/omni/index.ts";
import { BootAssetURLRequest_BootAssetKind as Kind } from "../../src/omni/gen/omni/management/management_pb.js";
import { type Fixture, startFixture } from "./fixture.ts";

const ARGS_V2_TOKEN = encodeJoinToken("abcd", { "omni.sidero.dev/infra-provider-id": "test" }, "v2");
const connectionArgs = [
  `siderolink.api=http://127.0.0.1:8099?jointoken=${encodeURIComponent(ARGS_V2_TOKEN)}`,
  "talos.events.sink=[fdae:41e4:649b:9303::1]:8091",
  "talos.logging.kernel=tcp://[fdae:41e4:649b:9303::1]:8092",
].sort();

/** The five vectors of §8.3: raw schematic → expected canonical YAML (when given) and ID. */
const VECTORS: { name: string; raw: string; yaml?: string; id: string }[] = [
  {
    name: "empty",
    raw: "",
    yaml: "customization: {}\n",
    id: "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
  },
  {
    name: "kernel args",
    raw: "customization:\n  extraKernelArgs: [noapic, nolapic]\n",
    yaml: "customization:\n    extraKernelArgs:\n        - noapic\n        - nolapic\n",
    id: "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c",
  },
  {
    name: "meta",
    raw: '{"customization":{"meta":[{"key":10,"value":"foo"}]}}',
    yaml: "customization:\n    meta:\n        - key: 10\n          value: foo\n",
    id: "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f",
  },
  {
    name: "overlay",
    raw: "overlay:\n  name: rpi_generic\n  image: siderolabs/sbc-raspberrypi\n",
    yaml: "overlay:\n    image: siderolabs/sbc-raspberrypi\n    name: rpi_generic\ncustomization: {}\n",
    id: "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9",
  },
  {
    name: "connection args",
    raw: JSON.stringify({ customization: { extraKernelArgs: connectionArgs } }),
    id: "4e2a2ec4368100c1b21d4fa7be47f3d38ddab9185f34fc187f82400b1e20da17",
  },
];

describe("schematic IDs (§8.3)", () => {
  for (const v of VECTORS) {
    it(`matches the ${v.name} vector`, () => {
      const schematic = parseSchematic(v.raw);
      if (v.yaml) assert.equal(canonicalSchematicYaml(schematic), v.yaml);
      assert.equal(schematicId(schematic), v.id);
    });
  }

  it("rejects unknown keys and wrong types, naming the key", () => {
    assert.throws(
      () => parseSchematic("customization:\n  extraKernelArg: [x]\n"),
      (e: unknown) =>
        e instanceof SchematicError && e.code === "schematic_unknown_key" && e.path === "customization.extraKernelArg",
    );
    assert.throws(
      () => parseSchematic("customization:\n  meta: [{key: 300, value: x}]\n"),
      (e: unknown) => e instanceof SchematicError && e.code === "schematic_invalid_value",
    );
    assert.throws(
      () => parseSchematic("customization: ["),
      (e: unknown) => e instanceof SchematicError,
    );
  });

  it("quotes ambiguous scalars and renders multi-line configs as literal blocks", () => {
    const yaml = canonicalSchematicYaml({
      customization: { extraKernelArgs: ["true", "1.5", "a: b", ""], embeddedMachineConfiguration: "a: 1\nb: 2\n" },
    });
    assert.equal(
      yaml,
      'customization:\n    embeddedMachineConfiguration: |\n        a: 1\n        b: 2\n    extraKernelArgs:\n        - "true"\n        - "1.5"\n        - \'a: b\'\n        - ""\n',
    );
  });
});

describe("management service over gRPC (§8)", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture("proxmox", { factoryUrl: "https://factory.example.test/" });
  });
  after(() => f.omni.close());

  it("CreateSchematicFromRaw returns the factory ID for every vector", async () => {
    for (const v of VECTORS) {
      const res = await f.management.createSchematicFromRaw({
        rawSchematic: new TextEncoder().encode(v.raw),
        talosVersion: "1.13.8",
      });
      assert.equal(res.schematicId, v.id, v.name);
    }
  });

  it("CreateSchematicFromRaw rejects unknown keys with INVALID_ARGUMENT", async () => {
    const error = await f.management
      .createSchematicFromRaw({ rawSchematic: new TextEncoder().encode("bogus: 1\n") })
      .catch((e: unknown) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.InvalidArgument);
    assert.match(error.rawMessage, /bogus/);
  });

  it("GetBootAssetURL builds ISO, secure-boot, disk and PXE URLs with storage keys", async () => {
    const id = VECTORS[0]!.id;
    const base = "https://factory.example.test";
    const key = (b: string, prefix: string, file: string) =>
      createHash("sha256").update(`${b}\0${prefix}\0${id}\0v1.13.8\0${file}`).digest("hex");
    const iso = await f.management.getBootAssetURL({
      talosVersion: "1.13.8",
      schematicId: id,
      bootAssetKind: Kind.ISO,
      platform: "nocloud",
      architecture: "amd64",
    });
    assert.equal(iso.url, `${base}/image/${id}/v1.13.8/nocloud-amd64.iso`);
    assert.equal(iso.storageKey, key(base, "image", "nocloud-amd64.iso"));
    assert.deepEqual(iso.headers, {});
    assert.equal(iso.imageFactoryHost, "factory.example.test");
    const secure = await f.management.getBootAssetURL({
      talosVersion: "v1.13.8",
      schematicId: id,
      bootAssetKind: Kind.ISO,
      platform: "metal",
      architecture: "arm64",
      secureBoot: true,
    });
    assert.equal(secure.url, `${base}/image/${id}/v1.13.8/metal-arm64-secureboot.iso`);
    const disk = await f.management.getBootAssetURL({
      talosVersion: "1.13.8",
      schematicId: id,
      bootAssetKind: Kind.DISK,
      platform: "nocloud",
      architecture: "amd64",
      format: "raw.xz",
    });
    assert.equal(disk.url, `${base}/image/${id}/v1.13.8/nocloud-amd64.raw.xz`);
    const pxe = await f.management.getBootAssetURL({
      talosVersion: "1.13.8",
      schematicId: id,
      bootAssetKind: Kind.PXE,
      platform: "metal",
      architecture: "amd64",
    });
    assert.equal(pxe.url, `https://pxe.factory.example.test/pxe/${id}/v1.13.8/metal-amd64`);
    assert.equal(pxe.storageKey, key("https://pxe.factory.example.test", "pxe", "metal-amd64"));
  });

  it("GetBootAssetURL validates its input", async () => {
    const good = {
      talosVersion: "1.13.8",
      schematicId: VECTORS[0]!.id,
      bootAssetKind: Kind.ISO,
      platform: "nocloud",
      architecture: "amd64",
    };
    for (const bad of [
      { bootAssetKind: Kind.UNSET },
      { platform: "" },
      { platform: ".." },
      { architecture: "amd/64" },
      { schematicId: "a b" },
      { talosVersion: "latest" },
      { bootAssetKind: Kind.DISK, format: "" },
    ]) {
      const error = await f.management.getBootAssetURL({ ...good, ...bad }).catch((e: unknown) => e);
      assert.ok(error instanceof ConnectError, JSON.stringify(bad));
      assert.equal(error.code, Code.InvalidArgument, JSON.stringify(bad));
    }
  });
});

describe("image factory stand-in", () => {
  it("serves deterministic fake ISOs at the factory layout and 404s otherwise", async () => {
    const factory = await startImageFactory();
    try {
      const id = VECTORS[1]!.id;
      const url = `${factory.url}/image/${id}/v1.13.8/nocloud-amd64.iso`;
      const first = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const second = new Uint8Array(await (await fetch(url)).arrayBuffer());
      assert.ok(first.length >= 4096 && first.length <= 64 * 1024);
      assert.deepEqual(first, second);
      assert.equal(new TextDecoder().decode(first.subarray(16 * 2048 + 1, 16 * 2048 + 6)), "CD001");
      const other = new Uint8Array(
        await (await fetch(`${factory.url}/image/${id}/v1.13.7/nocloud-amd64.iso`)).arrayBuffer(),
      );
      assert.notDeepEqual(
        createHash("sha256").update(other).digest("hex"),
        createHash("sha256").update(first).digest("hex"),
      );
      assert.equal(factory.downloads(), 3);
      assert.equal((await fetch(`${factory.url}/image/${id}/v1.13.8/nocloud-amd64.qcow2`)).status, 404);
      assert.equal((await fetch(`${factory.url}/image/not-an-id/v1.13.8/nocloud-amd64.iso`)).status, 404);
      const posted = await fetch(`${factory.url}/schematics`, {
        method: "POST",
        body: "customization:\n  extraKernelArgs: [noapic, nolapic]\n",
      });
      assert.equal(posted.status, 201);
      assert.deepEqual(await posted.json(), { id });
    } finally {
      await factory.close();
    }
  });
});
