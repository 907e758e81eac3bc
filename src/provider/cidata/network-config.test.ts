import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { isCidataError } from "./errors.ts";
import { nocloudNetworkConfig, type StaticNetworking } from "./network-config.ts";

describe("nocloudNetworkConfig", () => {
  test("IPv4: physical NIC matched by MAC, static subnet with gateway, MTU, nameservers", () => {
    const text = nocloudNetworkConfig({
      interfaces: [{ mac: "BC:24:11:0A:1B:2C", addresses: ["10.0.20.31/24"], gateways: ["10.0.20.1"], mtu: 1450 }],
      nameservers: ["10.0.20.1", "1.1.1.1"],
    });
    assert.deepEqual(parse(text), {
      version: 1,
      config: [
        {
          type: "physical",
          mac_address: "bc:24:11:0a:1b:2c",
          mtu: 1450,
          subnets: [{ type: "static", address: "10.0.20.31/24", gateway: "10.0.20.1" }],
        },
        { type: "nameserver", address: ["10.0.20.1", "1.1.1.1"] },
      ],
    });
  });

  test("dual stack: static and static6 subnets, each with its own gateway", () => {
    const parsed = parse(
      nocloudNetworkConfig({
        interfaces: [
          {
            mac: "bc:24:11:00:00:01",
            addresses: ["2001:db8:20::31/64", "10.0.20.31/24"],
            gateways: ["10.0.20.1", "2001:db8:20::1"],
          },
        ],
      }),
    );
    assert.deepEqual(parsed.config[0].subnets, [
      { type: "static6", address: "2001:db8:20::31/64", gateway: "2001:db8:20::1" },
      { type: "static", address: "10.0.20.31/24", gateway: "10.0.20.1" },
    ]);
    assert.equal(parsed.config.length, 1, "no nameserver entry without nameservers");
  });

  test("several NICs, gateway optional", () => {
    const parsed = parse(
      nocloudNetworkConfig({
        interfaces: [
          { mac: "bc:24:11:00:00:01", addresses: ["10.0.20.31/24"], gateways: ["10.0.20.1"] },
          { mac: "bc:24:11:00:00:02", addresses: ["172.16.0.31/16"] },
        ],
      }),
    );
    assert.equal(parsed.config.length, 2);
    assert.deepEqual(parsed.config[1].subnets, [{ type: "static", address: "172.16.0.31/16" }]);
  });

  test("an all-digit MAC is still a string", () => {
    const parsed = parse(
      nocloudNetworkConfig({ interfaces: [{ mac: "12:34:56:78:90:12", addresses: ["10.0.0.2/8"] }] }),
    );
    assert.equal(parsed.config[0].mac_address, "12:34:56:78:90:12");
  });

  test("rejects what Talos could not apply, naming the field", () => {
    const nic = { mac: "bc:24:11:00:00:01", addresses: ["10.0.20.31/24"] };
    const cases: Array<[StaticNetworking, string]> = [
      [{ interfaces: [] }, "interfaces"],
      [{ interfaces: [{ ...nic, mac: "bc:24:11:00:00" }] }, "interfaces[0].mac"],
      [{ interfaces: [{ ...nic, addresses: [] }] }, "interfaces[0].addresses"],
      [{ interfaces: [{ ...nic, addresses: ["10.0.20.31"] }] }, "interfaces[0].addresses[0]"],
      [{ interfaces: [{ ...nic, addresses: ["10.0.20.31/33"] }] }, "interfaces[0].addresses[0]"],
      [{ interfaces: [{ ...nic, addresses: ["10.0.300.1/24"] }] }, "interfaces[0].addresses[0]"],
      [{ interfaces: [{ ...nic, gateways: ["2001:db8::1"] }] }, "interfaces[0].gateways[0]"],
      [{ interfaces: [{ ...nic, gateways: ["10.0.20.1", "10.0.20.2"] }] }, "interfaces[0].gateways[1]"],
      [{ interfaces: [{ ...nic, gateways: ["gateway"] }] }, "interfaces[0].gateways[0]"],
      [{ interfaces: [{ ...nic, mtu: 500 }] }, "interfaces[0].mtu"],
      [{ interfaces: [{ ...nic, addresses: ["2001:db8::5/64"], mtu: 1000 }] }, "interfaces[0].mtu"],
      [{ interfaces: [{ ...nic, mtu: 70000 }] }, "interfaces[0].mtu"],
      [{ interfaces: [nic], nameservers: ["dns.example"] }, "nameservers[0]"],
    ];
    for (const [input, field] of cases) {
      assert.throws(
        () => nocloudNetworkConfig(input),
        (err: unknown) => isCidataError(err, "invalid_network_config") && err.field === field,
        field,
      );
    }
  });
});
