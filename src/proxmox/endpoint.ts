/**
 * Endpoint templates for metrics and logs: concrete paths carry node names, VMIDs, UPIDs and volume ids,
 * which would explode label cardinality, so they are folded back into the schema's placeholders.
 */

/** Segments after which the next segment is a placeholder, and its name. */
const PLACEHOLDER_AFTER: Readonly<Record<string, string>> = {
  nodes: "{node}",
  qemu: "{vmid}",
  storage: "{storage}",
  tasks: "{upid}",
  pci: "{id}",
  usb: "{id}",
  resources: "{sid}",
  rules: "{rule}",
  pools: "{poolid}",
};

/**
 * The schema template of a concrete API path.
 *
 * @example
 * endpointTemplate("/nodes/pve1/qemu/101/status/start"); // "/nodes/{node}/qemu/{vmid}/status/start"
 * endpointTemplate("/nodes/pve1/storage/local/content/local:iso/x.iso"); // "/nodes/{node}/storage/{storage}/content/{volume}"
 */
export function endpointTemplate(path: string): string {
  const segments = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    const prev = segments[i - 1];
    if (prev === "content" && out.at(-1) === "content") {
      // A volume id may contain unescaped slashes: it is the rest of the path.
      out.push("{volume}");
      break;
    }
    // `/cluster/resources` and `/cluster/ha/resources` differ: only the HA one has a {sid} child.
    const placeholder = prev === undefined ? undefined : PLACEHOLDER_AFTER[prev];
    const isHa = prev === "resources" || prev === "rules" ? segments[i - 2] === "ha" : true;
    const isMapping = prev === "pci" || prev === "usb" ? segments[i - 2] === "mapping" : true;
    const isQemuList = prev === "qemu" ? /^\d+$/.test(seg) : true;
    const isStorageId = prev === "storage" ? segments[i - 2] !== undefined && segments[i - 3] === "nodes" : true;
    out.push(placeholder && isHa && isMapping && isQemuList && isStorageId ? placeholder : seg);
  }
  return `/${out.join("/")}`;
}
