/**
 * Reads the files `validate` was given: a directory stands for every `.yaml`/`.yml` file below it, so CI
 * can run `omni-proxmox validate examples/`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SourceFile } from "./engine.ts";

export class ValidateInputError extends Error {
  readonly code = "unreadable_input";
  constructor(message: string) {
    super(message);
    this.name = "ValidateInputError";
  }
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * @example
 * const sources = readSources(["examples/"]); // every YAML file under examples/
 */
export function readSources(paths: readonly string[]): SourceFile[] {
  const sources: SourceFile[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      throw new ValidateInputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    for (const file of isDir ? yamlFilesUnder(path) : [path]) {
      sources.push({ file, text: readFileSync(file, "utf8"), ...(isDir ? { fromDirectory: true } : {}) });
    }
  }
  return sources;
}
