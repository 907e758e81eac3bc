#!/usr/bin/env node
// Entry point for `npx omni-proxmox`. The project runs its TypeScript sources directly on Node.js 24
// (type stripping). When started by an older system Node (this repo pins Node 24 through the `node`
// dev dependency), re-run the same command under the pinned binary.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const main = join(root, "src", "cli", "main.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  await import(pathToFileURL(main).href);
} else {
  const pinned = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    console.error(
      `omni-proxmox needs Node.js 24 or newer (this is ${process.version}). Run \`npm install\` in ${root} ` +
        "to fetch the pinned Node.js 24, or install Node.js 24.",
    );
    process.exit(1);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}
