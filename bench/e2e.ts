import { type Benchmark, skipped } from "./lib/types.ts";
export const e2eBenchmark: Benchmark = { name: "e2e", title: "todo", budgetMs: { full: 1000, quick: 1000 }, async run() { return skipped("not written yet"); } };
