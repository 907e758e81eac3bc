import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isUnicastMac, stableMac } from "./mac.ts";

describe("stableMac", () => {
  test("is a function of the request ID and NIC index only", () => {
    assert.equal(stableMac("req-a"), stableMac("req-a"));
    assert.notEqual(stableMac("req-a"), stableMac("req-b"));
    assert.notEqual(stableMac("req-a", 0), stableMac("req-a", 1));
    assert.equal(stableMac("req-a", 0), stableMac("req-a"));
  });

  test("pins a known value so a change of derivation cannot slip through", () => {
    // Changing this breaks DHCP reservations and network-config of existing machines.
    assert.match(stableMac("talos-prod-01-control-planes-x7k2p"), /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
    // SHA-256("abc") starts ba7816bf8f01; 0xBA already has the local bit set and the multicast bit clear.
    assert.equal(stableMac("abc"), "BA:78:16:BF:8F:01");
  });

  test("is unicast and locally administered for many IDs, without collisions", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const mac = stableMac(`request-${i}`);
      const first = Number.parseInt(mac.slice(0, 2), 16);
      assert.equal(first & 0b01, 0, `${mac} must be unicast`);
      assert.equal(first & 0b10, 0b10, `${mac} must be locally administered`);
      assert.ok(isUnicastMac(mac));
      seen.add(mac);
    }
    assert.equal(seen.size, 5000);
  });

  test("refuses an empty ID or a negative index", () => {
    assert.throws(() => stableMac(""), RangeError);
    assert.throws(() => stableMac("x", -1), RangeError);
  });
});

describe("isUnicastMac", () => {
  test("accepts unicast, rejects multicast and malformed", () => {
    assert.equal(isUnicastMac("BC:24:11:00:00:01"), true);
    assert.equal(isUnicastMac("bc:24:11:00:00:01"), true);
    assert.equal(isUnicastMac("01:00:5e:00:00:01"), false);
    assert.equal(isUnicastMac("BC-24-11-00-00-01"), false);
    assert.equal(isUnicastMac("BC:24:11:00:00"), false);
  });
});
