/** Flag value parsers shared by the commands; errors name the flag and the accepted form. */

/** Go-style boolean flags: bare (`--flag`), or `--flag=true|false`. */
export function parseBoolFlag(flag: string, value: string | boolean | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new Error(`${flag}: "${value}" is not a boolean; write ${flag} or ${flag}=false`);
}

export function parseIntFlag(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: "${value}" must be a whole number ≥ ${min}`);
  return n;
}

export function parseNumberFlag(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${flag}: "${value}" must be a number ≥ ${min}`);
  return n;
}
