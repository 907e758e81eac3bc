import { create } from "@bufbuild/protobuf";
import { OmniError } from "./errors.ts";
import {
  LabelQuerySchema,
  LabelTerm_Operation,
  LabelTermSchema,
  type LabelQuery as ProtoLabelQuery,
} from "./gen/v1alpha1/resource_pb.js";

export type LabelOperation = "exists" | "equal" | "in" | "lt" | "lte" | "ltNumeric" | "lteNumeric";

/** One condition on a label; `invert` negates it. */
export interface LabelTerm {
  key: string;
  op: LabelOperation;
  values: string[];
  invert: boolean;
}

/** Terms AND-ed together. Several queries in one call are OR-ed. */
export interface LabelQuery {
  terms: LabelTerm[];
}

/** Label `key` equals `value`. */
export function eq(key: string, value: string): LabelTerm {
  return { key, op: "equal", values: [value], invert: false };
}

/** Label `key` is present (any value). */
export function exists(key: string): LabelTerm {
  return { key, op: "exists", values: [], invert: false };
}

/** Label `key` is absent. */
export function notExists(key: string): LabelTerm {
  return { key, op: "exists", values: [], invert: true };
}

/** Label `key` has one of `values`. */
export function oneOf(key: string, values: string[]): LabelTerm {
  return { key, op: "in", values: [...values], invert: false };
}

/** Label `key` is present and numerically less than (or equal to, with `orEqual`) `value`. */
export function lessThanNumeric(key: string, value: number, orEqual = false): LabelTerm {
  return { key, op: orEqual ? "lteNumeric" : "ltNumeric", values: [String(value)], invert: false };
}

/** The negation of a term. */
export function not(term: LabelTerm): LabelTerm {
  return { ...term, invert: !term.invert };
}

/**
 * A query matching resources for which every term holds.
 *
 * @example
 * await state.list(MachineRequestStatuses, { labels: [allOf(eq(LABEL_INFRA_PROVIDER_ID, "proxmox"), exists(LABEL_MACHINE_REQUEST))] });
 */
export function allOf(...terms: LabelTerm[]): LabelQuery {
  return { terms };
}

const OPERATIONS: Record<LabelOperation, LabelTerm_Operation> = {
  exists: LabelTerm_Operation.EXISTS,
  equal: LabelTerm_Operation.EQUAL,
  in: LabelTerm_Operation.IN,
  lt: LabelTerm_Operation.LT,
  lte: LabelTerm_Operation.LTE,
  ltNumeric: LabelTerm_Operation.LT_NUMERIC,
  lteNumeric: LabelTerm_Operation.LTE_NUMERIC,
};

/** Converts queries to wire form, refusing terms the server would choke on (value-less comparisons). */
export function labelQueriesToProto(queries: LabelQuery[]): ProtoLabelQuery[] {
  return queries.map((q) =>
    create(LabelQuerySchema, {
      terms: q.terms.map((t) => {
        if (t.op !== "exists" && t.values.length === 0) {
          // The server reads value[0] without checking for these operations.
          throw new OmniError("invalid", `label term "${t.key}" (${t.op}) needs at least one value`);
        }
        return create(LabelTermSchema, { key: t.key, op: OPERATIONS[t.op], value: [...t.values], invert: t.invert });
      }),
    }),
  );
}
