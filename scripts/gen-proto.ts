/**
 * Regenerates the protobuf-es code in src/omni/gen from proto/ (buf + the local protoc-gen-es plugin; no
 * network). With `--check`, generates into a temporary directory instead and exits non-zero when the committed
 * src/omni/gen differs, so CI catches hand edits and forgotten regenerations.
 *
 * @example
 * node scripts/gen-proto.ts          # rewrite src/omni/gen
 * node scripts/gen-proto.ts --check  # verify src/omni/gen is up to date
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const buf = join(root, "node_modules", ".bin", "buf");
const committedDir = join(root, "src", "omni", "gen");

function generate(outDir: string): void {
  // Buf resolves buf.gen.yaml's relative plugin path from the working directory, so run from the root.
  // The output directory override keeps --check from touching the committed tree.
  const args = ["generate", "--template", "buf.gen.yaml", "--output", outDir];
  execFileSync(buf, args, { cwd: root, stdio: "inherit" });
}

function listFiles(dir: string, base = dir): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full, base));
    else out.push(relative(base, full));
  }
  return out.sort();
}

/** Paths that are missing on either side or whose bytes differ. */
function diffTrees(expectedDir: string, actualDir: string): string[] {
  const expected = listFiles(expectedDir);
  const actual = listFiles(actualDir);
  const all = [...new Set([...expected, ...actual])].sort();
  return all.filter((path) => {
    if (!expected.includes(path) || !actual.includes(path)) return true;
    return !readFileSync(join(expectedDir, path)).equals(readFileSync(join(actualDir, path)));
  });
}

function main(): void {
  const check = process.argv.includes("--check");
  if (!check) {
    rmSync(committedDir, { recursive: true, force: true });
    generate(".");
    console.log(`generated ${listFiles(committedDir).length} files in ${relative(root, committedDir)}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), "omni-proto-check-"));
  try {
    generate(tmp);
    const differing = diffTrees(join(tmp, "src", "omni", "gen"), committedDir);
    if (differing.length > 0) {
      console.error(
        `src/omni/gen is out of date (run \`npm run proto\`); differing files:\n  ${differing.join("\n  ")}`,
      );
      process.exitCode = 1;
      return;
    }
    console.log("src/omni/gen is up to date");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
