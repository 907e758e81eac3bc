/**
 * JSON as Go's `encoding/json` writes it: compact, HTML-safe escapes (`<`, `>`, `&`, U+2028, U+2029). Omni
 * signs and HMACs such bytes, so ours must be identical.
 *
 * @example
 * goJson({ a: "<b>" }); // '{"a":"\u003cb\u003e"}'
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** A `map[string]string` as Go marshals it: keys sorted. */
export function goJsonStringMap(map: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) sorted[key] = map[key] ?? "";
  return goJson(sorted);
}
