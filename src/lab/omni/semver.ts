/**
 * Tolerant semantic-version parsing as Omni applies it to Talos versions: an optional leading `v`,
 * missing minor/patch taken as 0, optional pre-release and build parts.
 */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
}

const TOLERANT =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * @example
 * parseSemverTolerant("v1.13.8"); // { major: 1, minor: 13, patch: 8, prerelease: "" }
 * parseSemverTolerant("latest"); // undefined
 */
export function parseSemverTolerant(text: string): SemVer | undefined {
  const match = TOLERANT.exec(text.trim());
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2] ?? 0),
    patch: Number(match[3] ?? 0),
    prerelease: match[4] ?? "",
  };
}
