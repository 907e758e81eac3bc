import { createHash } from "node:crypto";

/**
 * A MAC address derived only from the machine request ID (and the NIC index), so a re-created or
 * adopted VM keeps its address and DHCP reservations / static network-config keep matching.
 *
 * The first octet has the locally-administered bit set and the multicast bit clear (`x2`, `x6`, `xA`,
 * `xE`): it can never collide with a vendor OUI such as Proxmox's own `BC:24:11`, and leaves 46 bits
 * from SHA-256 of the input.
 *
 * @example
 * stableMac("talos-prod-01-workers-abc12");    // e.g. "5A:0C:93:1F:E4:27", the same on every call
 * stableMac("talos-prod-01-workers-abc12", 1); // the second NIC's address
 */
export function stableMac(requestId: string, nicIndex = 0): string {
  if (requestId === "") throw new RangeError("stableMac needs a non-empty request ID");
  if (!Number.isInteger(nicIndex) || nicIndex < 0) throw new RangeError(`NIC index ${nicIndex} must be ≥ 0`);
  const seed = nicIndex === 0 ? requestId : `${requestId}#net${nicIndex}`;
  const digest = createHash("sha256").update(seed, "utf8").digest();
  const octets = [...digest.subarray(0, 6)];
  octets[0] = (octets[0]! & 0b1111_1100) | 0b0000_0010;
  return octets.map((octet) => octet.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** True for a unicast MAC written as six colon-separated hex octets (the `mac-addr` format). */
export function isUnicastMac(mac: string): boolean {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) return false;
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 0;
}
