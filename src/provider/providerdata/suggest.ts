/**
 * "Did you mean …" for unknown keys: known aliases first (keys other providers or old docs use), then
 * a camelCase → snake_case rewrite, then the closest valid key by edit distance.
 */

/** Keys users bring from other providers, the README's old `config:` example, or guesswork. */
const ALIASES: Readonly<Record<string, string>> = {
  cpu: "cores",
  cpus: "cores",
  vcpus: "cores",
  ram: "memory",
  memory_mb: "memory",
  disk: "disk_size",
  disk_gb: "disk_size",
  bridge: "network_bridge",
  vlan_id: "vlan",
  storage: "storage_selector",
  storage_pool: "storage_selector",
  cpu_model: "cpu_type",
  machine: "machine_type",
  firewall: "network_firewall",
  gateway: "network_gateway",
  subnet: "network_subnet",
  dns_servers: "network_nameservers",
  nameservers: "network_nameservers",
  mtu: "network_mtu",
  ip: "network_ip",
  system_extensions: "extensions",
  kernelargs: "kernel_args",
  placement: "placement_strategy",
  network: "network_subnet",
  ip_address: "network_ip",
  base_ip: "network_base_ip",
};

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

function toSnake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/-/g, "_")
    .toLowerCase();
}

/** The valid key a user most likely meant, or undefined when nothing is close. */
export function suggestKey(unknown: string, valid: readonly string[]): string | undefined {
  const alias = ALIASES[unknown.toLowerCase()];
  if (alias && valid.includes(alias)) return alias;
  const snake = toSnake(unknown);
  if (valid.includes(snake)) return snake;
  // `size` → `disk_size`: the unknown key is one whole segment of a valid key.
  const bySegment = valid.filter(
    (key) => key.split("_").includes(snake) || key.startsWith(`${snake}_`) || key.endsWith(`_${snake}`),
  );
  const pool = bySegment.length > 0 ? bySegment : valid;
  let best: { key: string; distance: number } | undefined;
  for (const key of pool) {
    const distance = editDistance(snake, key);
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (!best) return undefined;
  if (bySegment.length > 0) return best.key;
  const tolerance = Math.max(2, Math.floor(snake.length / 3));
  return best.distance <= tolerance ? best.key : undefined;
}
