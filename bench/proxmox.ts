import { type Benchmark, skipped } from "./lib/types.ts";
export const proxmoxBenchmark: Benchmark = { name: "proxmox", title: "todo", budgetMs: { full: 1000, quick: 1000 }, async run() { return skipped("not written yet"); } };
