import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOmniError } from "./errors.ts";
import { LabelTerm_Operation } from "./gen/v1alpha1/resource_pb.js";
import { allOf, eq, exists, labelQueriesToProto, lessThanNumeric, not, notExists, oneOf } from "./labels.ts";

describe("label queries", () => {
  it("converts helpers to wire terms", () => {
    const [q] = labelQueriesToProto([
      allOf(eq("a", "1"), exists("b"), notExists("c"), oneOf("d", ["x", "y"]), lessThanNumeric("e", 5, true)),
    ]);
    const terms = q!.terms.map((t) => [t.key, t.op, t.value, t.invert]);
    assert.deepEqual(terms, [
      ["a", LabelTerm_Operation.EQUAL, ["1"], false],
      ["b", LabelTerm_Operation.EXISTS, [], false],
      ["c", LabelTerm_Operation.EXISTS, [], true],
      ["d", LabelTerm_Operation.IN, ["x", "y"], false],
      ["e", LabelTerm_Operation.LTE_NUMERIC, ["5"], false],
    ]);
  });

  it("negates with not() and keeps queries separate (OR)", () => {
    const qs = labelQueriesToProto([allOf(not(eq("a", "1"))), allOf(exists("b"))]);
    assert.equal(qs.length, 2);
    assert.equal(qs[0]!.terms[0]!.invert, true);
  });

  it("refuses value-less comparison terms the server would choke on", () => {
    assert.throws(
      () => labelQueriesToProto([allOf({ key: "k", op: "equal", values: [], invert: false })]),
      (e) => isOmniError(e, "invalid") && /"k"/.test(e.message),
    );
  });
});
