import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { isCidataError } from "./errors.ts";
import { nocloudNetworkConfig } from "./network-config.ts";
import { formatIpv6, staticNetworkingFor } from "./static-networking.ts";

const mac = "BA:78:16:BF:8F:01";

describe("staticNetworkingFor", () => {
  test("DHCP classes (no network_subnet) get no network-config", () => {
    assert.equal(staticNetworkingFor({}, { vmid: 100, mac }), undefined);
  });

  test("network_ip is the address, with the subnet's prefix, gateway, nameservers and MTU", () => {
    const networking = staticNetworkingFor(
      {
        network_subnet: "192.168.26.0/24",
        network_ip: "192.168.26.40",
        network_gateway: "192.168.26.1",
        network_nameservers: ["192.168.26.1", "1.1.1.1"],
        network_mtu: 1450,
      },
      { vmid: 5300, mac },
    );
    assert.deepEqual(networking, {
      interfaces: [{ mac, addresses: ["192.168.26.40/24"], gateways: ["192.168.26.1"], mtu: 1450 }],
      nameservers: ["192.168.26.1", "1.1.1.1"],
    });
    assert.ok(networking);
    assert.equal(parse(nocloudNetworkConfig(networking)).config[0].subnets[0].address, "192.168.26.40/24");
  });

  test("network_base_ip is offset by the VMID's distance from the start of vmid_range (IPv4)", () => {
    const data = { network_subnet: "192.168.26.0/24", network_base_ip: "192.168.26.50", vmid_range: "5300-5350" };
    assert.deepEqual(staticNetworkingFor(data, { vmid: 5300, mac })?.interfaces[0]?.addresses, ["192.168.26.50/24"]);
    assert.deepEqual(staticNetworkingFor(data, { vmid: 5302, mac })?.interfaces[0]?.addresses, ["192.168.26.52/24"]);
  });

  test("IPv6 offsets carry across groups and print in RFC 5952 form", () => {
    const data = { network_subnet: "2001:db8:26::/64", network_base_ip: "2001:db8:26::fffe", vmid_range: "200-300" };
    const networking = staticNetworkingFor(data, { vmid: 203, mac });
    assert.deepEqual(networking?.interfaces[0]?.addresses, ["2001:db8:26::1:1/64"]);
    assert.equal(parse(nocloudNetworkConfig(networking!)).config[0].subnets[0].type, "static6");
  });

  test("formatIpv6 compresses the longest zero run only", () => {
    assert.equal(formatIpv6(0n), "::");
    assert.equal(formatIpv6(1n), "::1");
    assert.equal(formatIpv6(0x2001_0db8_0000_0000_0001_0000_0000_0001n), "2001:db8::1:0:0:1");
    assert.equal(formatIpv6(0x2001_0db8_0001_0002_0003_0004_0005_0006n), "2001:db8:1:2:3:4:5:6");
  });

  test("a VMID outside vmid_range or past the subnet is an error naming the key", () => {
    const data = { network_subnet: "10.0.0.0/30", network_base_ip: "10.0.0.1", vmid_range: "100-110" };
    assert.throws(
      () => staticNetworkingFor(data, { vmid: 99, mac }),
      (err: unknown) => isCidataError(err, "invalid_network_config") && err.field === "vmid_range",
    );
    assert.throws(
      () => staticNetworkingFor(data, { vmid: 105, mac }),
      (err: unknown) => isCidataError(err, "invalid_network_config") && err.field === "network_base_ip",
    );
  });
});
