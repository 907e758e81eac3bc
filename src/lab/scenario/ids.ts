/**
 * Omni's machine request IDs: `<machine request set ID>-<6 characters>` from a consonant-and-digit
 * alphabet (no vowels, so IDs never spell words; no 0/1/3 lookalikes). The lab draws them from a
 * seedable generator so a scenario replays with the same IDs.
 */

/** The characters Omni draws request-ID suffixes from. */
export const REQUEST_ID_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
export const REQUEST_ID_SUFFIX_LENGTH = 6;

/** A source of uniform floats in [0, 1). */
export type RandomSource = () => number;

/**
 * A small deterministic PRNG (mulberry32) seeded from a number or string: same seed, same sequence.
 *
 * @example
 * const random = seededRandom("lab");
 * random(); // always the same first value for "lab"
 */
export function seededRandom(seed: number | string): RandomSource {
  let state = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(text: string): number {
  // FNV-1a: spreads short seeds such as "lab" over the whole 32-bit state.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A new machine request ID for a set, avoiding IDs in `taken`.
 *
 * @example
 * machineRequestId("talos-prod-01-workers", seededRandom(1)); // "talos-prod-01-workers-q7xk2b" (form)
 */
export function machineRequestId(setId: string, random: RandomSource, taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    let suffix = "";
    for (let i = 0; i < REQUEST_ID_SUFFIX_LENGTH; i++) {
      suffix += REQUEST_ID_ALPHABET[Math.floor(random() * REQUEST_ID_ALPHABET.length)];
    }
    const id = `${setId}-${suffix}`;
    if (!taken.has(id)) return id;
  }
}

/** True when `id` has the form Omni gives requests of `setId`. */
export function isMachineRequestIdOf(id: string, setId: string): boolean {
  const prefix = `${setId}-`;
  if (!id.startsWith(prefix)) return false;
  const suffix = id.slice(prefix.length);
  return suffix.length === REQUEST_ID_SUFFIX_LENGTH && [...suffix].every((c) => REQUEST_ID_ALPHABET.includes(c));
}
