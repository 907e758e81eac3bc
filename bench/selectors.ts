/**
 * CEL selectors (src/provider/selectors): compile (parse + type-check, cache bypassed and cache hit),
 * single evaluations, and full storage selection over 100 storages × 10 nodes.
 */
import {
  compileNodeSelector,
  compileStorageSelector,
  type NodeFacts,
  type StorageFacts,
  type StorageSelectorProgram,
  selectStorage,
} from "../src/provider/selectors/index.ts";
import { rateFigure, timeSync, warmUp } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome } from "./lib/types.ts";

const GIB = 1024 ** 3;
const NODE_COUNT = 10;
const STORAGES_PER_NODE = 100;

/** Typical selectors from the docs and the seed, from a name match to arithmetic over facts. */
const STORAGE_SELECTORS = [
  'name == "vm_ssd"',
  'storageType == "rbd" && availableSpace > 100u * 1024u * 1024u * 1024u',
  'storage.type == "lvmthin" && storage.used_fraction < 0.8',
  'name in ["local-lvm", "local-zfs", "pool-42"]',
  '"images" in storage.content && storage.shared && storage.avail > 500u * 1024u * 1024u * 1024u',
] as const;

const NODE_SELECTOR = '"gpu" in node.tags || node.maxmem >= 256u * 1024u * 1024u * 1024u';

const TYPES = ["rbd", "lvmthin", "zfspool", "dir", "nfs"] as const;

/** 100 storages on each of 10 nodes: mixed types, content kinds and fill levels, deterministic. */
export function syntheticStorages(nodes = NODE_COUNT, perNode = STORAGES_PER_NODE): StorageFacts[] {
  const out: StorageFacts[] = [];
  for (let n = 0; n < nodes; n++) {
    for (let s = 0; s < perNode; s++) {
      const total = (500 + ((s * 37) % 1500)) * GIB;
      const used = Math.floor(total * (((s * 13 + n * 7) % 90) / 100));
      const type = TYPES[s % TYPES.length] ?? "dir";
      out.push({
        storage: s === 0 ? "vm_ssd" : `pool-${s}`,
        node: `node-${n}`,
        type,
        content: s % 4 === 0 ? ["iso", "snippets"] : ["images", "rootdir"],
        shared: type === "rbd" || type === "nfs",
        active: true,
        enabled: s % 17 !== 0 || s === 0,
        avail: total - used,
        total,
        used,
      });
    }
  }
  return out;
}

function syntheticNodes(count = NODE_COUNT): NodeFacts[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `node-${i}`,
    status: i % 9 === 8 ? "offline" : "online",
    maxcpu: 32,
    maxmem: (i % 3 === 0 ? 512 : 128) * GIB,
    mem: 20 * GIB,
    cpu: 0.2,
    tags: i % 4 === 0 ? ["gpu"] : [],
  }));
}

function mustCompile(expression: string): StorageSelectorProgram {
  const r = compileStorageSelector(expression);
  if (!r.ok) throw new Error(`benchmark selector ${expression} does not compile: ${r.error.message}`);
  return r.program;
}

export const selectorsBenchmark: Benchmark = {
  name: "selectors",
  title: `CEL selectors: compile, evaluate, select over ${STORAGES_PER_NODE} storages × ${NODE_COUNT} nodes`,
  budgetMs: { full: 5_000, quick: 1_200 },
  async run(ctx): Promise<BenchOutcome> {
    const slice = ctx.budgetMs / 6;
    const storages = syntheticStorages();
    const nodes = syntheticNodes();
    const programs = STORAGE_SELECTORS.map(mustCompile);
    const nodeProgram = compileNodeSelector(NODE_SELECTOR);
    if (!nodeProgram.ok) throw new Error(`node selector does not compile: ${nodeProgram.error.message}`);

    warmUp(
      [
        (i) => {
          const storage = storages[i % storages.length] as StorageFacts;
          return (programs[i % programs.length] as StorageSelectorProgram).evaluate(storage, storage.node);
        },
        (i) => nodeProgram.program.evaluate(nodes[i % nodes.length] as NodeFacts),
      ],
      slice * 0.3,
    );
    // A fresh literal per op defeats the compile cache: this is the cost of validating a new class.
    const cold = timeSync(
      (i) => {
        const template = STORAGE_SELECTORS[i % STORAGE_SELECTORS.length] ?? "";
        return compileStorageSelector(`(${template}) && name != "bench-${i}"`);
      },
      { maxOps: ctx.quick ? 2_000 : 20_000, budgetMs: slice, batch: 10, warmup: 0 },
    );
    const cached = timeSync((i) => compileStorageSelector(STORAGE_SELECTORS[i % STORAGE_SELECTORS.length] ?? ""), {
      maxOps: ctx.quick ? 100_000 : 1_000_000,
      budgetMs: slice,
      batch: 500,
    });
    const evaluate = timeSync(
      (i) => {
        const storage = storages[i % storages.length] as StorageFacts;
        return (programs[i % programs.length] as StorageSelectorProgram).evaluate(storage, storage.node);
      },
      { maxOps: ctx.quick ? 50_000 : 500_000, budgetMs: slice, batch: 200 },
    );
    // One op = choosing a boot-disk storage on every node, as placement does for one decision.
    const selectAll = timeSync(
      (i) => {
        const program = programs[i % programs.length] as StorageSelectorProgram;
        let found = 0;
        for (const node of nodes) {
          if (selectStorage(program, storages, { node: node.name, content: "images", needBytes: 50 * GIB }).ok) found++;
        }
        return found;
      },
      { maxOps: ctx.quick ? 200 : 2_000, budgetMs: slice, batch: 2 },
    );
    const nodeEval = timeSync((i) => nodeProgram.program.evaluate(nodes[i % nodes.length] as NodeFacts), {
      maxOps: ctx.quick ? 50_000 : 500_000,
      budgetMs: slice,
      batch: 200,
    });
    const evaluationsPerSelect = storages.length;
    return {
      status: "ok",
      figures: [
        rateFigure("compile.cold", cold, "parse + type-check, cache bypassed"),
        rateFigure("compile.cached", cached, "cache hit"),
        rateFigure("evaluate.storage", evaluate, `${programs.length} selectors over ${storages.length} storages`),
        rateFigure("evaluate.node", nodeEval, "tags + uint arithmetic"),
        rateFigure(
          "select.10-nodes",
          selectAll,
          `selectStorage on ${nodes.length} nodes (${evaluationsPerSelect} candidates each)`,
        ),
      ],
    };
  },
};
