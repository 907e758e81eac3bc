/**
 * For every storage selector of a class, which storages it matches on each node and why the others are
 * rejected: the seed's "no storage pools matched selector", answered before anything is created.
 */
import type { ClusterSnapshot } from "../../provider/placement/index.ts";
import type { ProviderData } from "../../provider/providerdata/index.ts";
import { type ContentKind, compileStorageSelector, selectStorage } from "../../provider/selectors/index.ts";
import type { SelectorReport } from "./types.ts";

interface SelectorUse {
  key: string;
  expression: string | undefined;
  content: ContentKind;
}

function selectorsOf(data: ProviderData): SelectorUse[] {
  return [
    { key: "storage_selector", expression: data.storage_selector, content: "images" },
    ...data.additional_disks.map((d, i) => ({
      key: `additional_disks[${i}].storage_selector`,
      expression: d.storage_selector,
      content: "images" as const,
    })),
    { key: "iso_storage_selector", expression: data.iso_storage_selector, content: "iso" },
    { key: "cidata_storage_selector", expression: data.cidata_storage_selector, content: "iso" },
  ];
}

/**
 * @example
 * const reports = selectorMatches("matrix-worker", data, snapshot);
 * reports[0]?.nodes.map((n) => `${n.node}: ${n.matched.join(", ")}`);
 */
export function selectorMatches(className: string, data: ProviderData, snapshot: ClusterSnapshot): SelectorReport[] {
  const nodes = [...snapshot.nodes].map((n) => n.name).sort();
  const out: SelectorReport[] = [];
  for (const use of selectorsOf(data)) {
    const compiled = compileStorageSelector(use.expression ?? "true");
    if (!compiled.ok) continue; // validation reports it; plan only runs on valid classes
    out.push({
      className,
      key: use.key,
      expression: use.expression ?? `(default: any storage that holds ${use.content})`,
      content: use.content,
      nodes: nodes.map((node) => {
        const pick = selectStorage(compiled.program, snapshot.storages, { node, content: use.content });
        const matched = pick.verdicts.filter((v) => v.chosen || v.reason.startsWith("matches"));
        return {
          node,
          ...(pick.ok ? { best: pick.storage.storage } : {}),
          matched: pick.ok ? unique([pick.storage.storage, ...matched.map((v) => v.storage)]) : [],
          verdicts: pick.verdicts,
        };
      }),
    });
  }
  return out;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
