import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadApiSchema, matchEndpoint, parsePropertyString, propertyFormatOf, validateRequest } from "./index.ts";

const schema = loadApiSchema();
const codes = (method: string, path: string, params: Record<string, unknown>) =>
  Object.fromEntries(validateRequest(schema, method, path, params as never).map((v) => [v.param, v.code]));

describe("validateRequest", () => {
  it("accepts a provider-shaped create", () => {
    const v = validateRequest(schema, "POST", "/api2/json/nodes/foxtrot/qemu", {
      vmid: 101,
      name: "talos-1",
      cores: "2",
      memory: 4096,
      onboot: true,
      scsi0: "vm_ssd:32,ssd=1,discard=on,iothread=1",
      net0: "virtio,bridge=vmbr0,firewall=1,tag=20",
      agent: "enabled=true",
      smbios1: "uuid=0b9d1c9e-0000-4000-8000-000000000100",
      hostpci0: "mapping=gpu0,pcie=1",
      tags: "machine-request.ABC;x",
      cdrom: "local:iso/talos.iso",
    });
    assert.deepEqual(v, []);
  });

  it("rejects unknown, missing, mistyped, enum, range and indexed-key violations", () => {
    assert.deepEqual(
      codes("POST", "/nodes/foxtrot/qemu", { foo: 1, onboot: "true", cores: "two", scsihw: "x", scsi31: "a:1" }),
      {
        vmid: "missing_parameter",
        foo: "unknown_parameter",
        onboot: "type",
        cores: "type",
        scsihw: "enum",
        scsi31: "unknown_parameter",
      },
    );
    assert.deepEqual(codes("GET", "/cluster/nextid", { vmid: 99 }), { vmid: "range" });
    assert.deepEqual(codes("GET", "/cluster/nextid", { vmid: true }), { vmid: "type" });
  });

  it("checks property strings: unknown sub-key, sub-key type and enum, required default key", () => {
    const msg = (value: string) =>
      validateRequest(schema, "POST", "/nodes/foxtrot/qemu", { vmid: 101, scsi0: value })[0]?.message;
    assert.equal(msg("vm_ssd:32,bogus=1"), "invalid format - invalid key in comma-separated list property: bogus\n");
    assert.match(msg("vm_ssd:32,ssd=maybe") ?? "", /ssd: type check \('boolean'\) failed/);
    assert.match(msg("vm_ssd:32,cache=fast") ?? "", /cache: value 'fast' does not have a value in the enumeration/);
    assert.equal(msg("vm_ssd:32,ssd=yes"), undefined, "yes is a boolean inside property strings");
    const net = validateRequest(schema, "POST", "/nodes/foxtrot/qemu", { vmid: 101, net0: "bridge=vmbr0" });
    assert.match(net[0]?.message ?? "", /model: property is missing/);
    const smbios = validateRequest(schema, "POST", "/nodes/foxtrot/qemu", { vmid: 101, smbios1: "uuid=nope" });
    assert.equal(smbios[0]?.code, "property_string");
  });

  it("checks named formats and requires", () => {
    assert.deepEqual(codes("POST", "/nodes/foxtrot/qemu", { vmid: 101, name: "bad_name" }), { name: "format" });
    assert.deepEqual(codes("GET", "/nodes/bad_node!/status", {}), { node: "format" });
    assert.deepEqual(
      codes("POST", "/nodes/foxtrot/storage/local/download-url", {
        content: "iso",
        filename: "a.iso",
        url: "ftp://x",
        checksum: "ab",
      }),
      { url: "pattern", "checksum-algorithm": "requires" },
    );
  });

  it("routes volume ids with slashes and reports unknown endpoints", () => {
    const m = matchEndpoint(schema, "GET", "/api2/json/nodes/foxtrot/storage/local/content/local:iso/x.iso");
    assert.equal(m?.endpoint.template, "/nodes/{node}/storage/{storage}/content/{volume}");
    assert.equal(m?.pathParams.volume, "local:iso/x.iso");
    assert.deepEqual(codes("GET", "/nodes/foxtrot/bogus", {}), { "": "unknown_endpoint" });
  });

  it("parses aliases like net's model=mac spelling", () => {
    const ep = schema.byKey.get("POST /nodes/{node}/qemu");
    const fmt = propertyFormatOf(ep?.info.parameters?.properties?.["net[n]"] ?? {});
    assert.ok(fmt);
    const parsed = parsePropertyString(fmt, "virtio=BC:24:11:00:00:01,bridge=vmbr0");
    assert.deepEqual(parsed.ok && parsed.values, { model: "virtio", macaddr: "BC:24:11:00:00:01", bridge: "vmbr0" });
  });
});
