/**
 * Maps a key path inside embedded YAML text (providerdata) to the line it is written on, so findings
 * point at the offending key rather than at the start of the block.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** `additional_disks[0].storage_selector` → `["additional_disks", 0, "storage_selector"]`. */
export function splitKeyPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    if (part === "") continue;
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      out.push(part);
      continue;
    }
    if (match[1]) out.push(match[1]);
    for (const index of (match[2] ?? "").matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

/**
 * The 0-based line (within `text`) of the deepest key of `path` that exists, or undefined when not even
 * the first key is there (a missing key, or text that is not a mapping).
 *
 * @example
 * keyLineIn("cores: 2\nmemroy: 4096\n", "memroy"); // 1
 */
export function keyLineIn(text: string, path: string): number | undefined {
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch {
    return undefined;
  }
  let node = doc.contents as Node | null;
  let found: number | undefined;
  for (const part of splitKeyPath(path)) {
    if (typeof part === "number" && isSeq(node)) {
      const item = node.items[part] as Node | undefined;
      if (!item) break;
      if (item.range) found = lines.linePos(item.range[0]).line - 1;
      node = item;
      continue;
    }
    if (typeof part !== "string" || !isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === part);
    if (!pair) break;
    const key = pair.key as Node;
    if (key.range) found = lines.linePos(key.range[0]).line - 1;
    node = (pair.value ?? null) as Node | null;
  }
  return found;
}
