/**
 * Label and ID queries with COSI semantics (protocol notes §3.5): queries OR-ed, terms AND-ed, comparison
 * terms never match a missing label or a non-number even when inverted.
 */
import { simError } from "./errors.ts";
import type { Resource } from "./model.ts";

/** Operation numbers as on the wire (`cosi.resource.LabelTerm.Operation`). */
export const LABEL_OP = {
  exists: 0,
  equal: 1,
  notExists: 2,
  in: 3,
  lt: 4,
  lte: 5,
  ltNumeric: 6,
  lteNumeric: 7,
} as const;

export interface LabelTerm {
  key: string;
  op: number;
  value: string[];
  invert: boolean;
}

export interface LabelQuery {
  terms: LabelTerm[];
}

export interface ResourceQuery {
  labelQueries: LabelQuery[];
  /** RE2-style pattern, unanchored; empty = no filter. */
  idRegexp: string;
}

/** A compiled query; throws `invalid_argument` for a bad regexp or a term missing its value. */
export function compileQuery(query: ResourceQuery): (resource: Resource) => boolean {
  let idPattern: RegExp | undefined;
  if (query.idRegexp) {
    try {
      idPattern = new RegExp(query.idRegexp, "u");
    } catch {
      throw simError("invalid_argument", `id_query.regexp ${JSON.stringify(query.idRegexp)} is not a valid regexp`);
    }
  }
  for (const q of query.labelQueries) {
    for (const term of q.terms) {
      const needsValue = term.op !== LABEL_OP.exists && term.op !== LABEL_OP.notExists;
      if (needsValue && term.value.length === 0) {
        throw simError(
          "invalid_argument",
          `label term on ${JSON.stringify(term.key)} with operation ${term.op} needs at least one value`,
        );
      }
      if (term.op < 0 || term.op > 7) {
        throw simError("invalid_argument", `label term on ${JSON.stringify(term.key)}: unknown operation ${term.op}`);
      }
    }
  }
  return (resource) => {
    if (idPattern && !idPattern.test(resource.metadata.id)) return false;
    if (query.labelQueries.length === 0) return true;
    return query.labelQueries.some((q) => q.terms.every((t) => termMatches(t, resource.metadata.labels)));
  };
}

export function termMatches(term: LabelTerm, labels: Record<string, string>): boolean {
  const present = Object.hasOwn(labels, term.key);
  const actual = labels[term.key];
  const first = term.value[0] ?? "";
  switch (term.op) {
    case LABEL_OP.exists:
      return present !== term.invert;
    case LABEL_OP.notExists:
      return present === term.invert;
    case LABEL_OP.equal:
      return (present && actual === first) !== term.invert;
    case LABEL_OP.in:
      return (present && term.value.includes(actual!)) !== term.invert;
    case LABEL_OP.lt:
    case LABEL_OP.lte: {
      if (!present) return false;
      const result = term.op === LABEL_OP.lt ? actual! < first : actual! <= first;
      return result !== term.invert;
    }
    case LABEL_OP.ltNumeric:
    case LABEL_OP.lteNumeric: {
      if (!present) return false;
      const left = Number.parseInt(actual!, 10);
      const right = Number.parseInt(first, 10);
      if (!/^[-+]?\d+$/.test(actual!) || !/^[-+]?\d+$/.test(first)) return false;
      const result = term.op === LABEL_OP.ltNumeric ? left < right : left <= right;
      return result !== term.invert;
    }
    default:
      return false;
  }
}
