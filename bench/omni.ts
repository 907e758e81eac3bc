import { type Benchmark, skipped } from "./lib/types.ts";
export const omniBenchmark: Benchmark = { name: "omni", title: "todo", budgetMs: { full: 1000, quick: 1000 }, async run() { return skipped("not written yet"); } };
