import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { clearSecretsForTests, registerSecret } from "../observability/secrets.ts";
import { isOmniError, OmniError, omniCodeFor, toOmniError } from "./errors.ts";

describe("gRPC code mapping (omni-protocol.md §3.5)", () => {
  const cases: [Code, Parameters<typeof omniCodeFor>[1], string][] = [
    [Code.NotFound, "get", "not_found"],
    [Code.NotFound, "update", "not_found"],
    [Code.AlreadyExists, "create", "already_exists"],
    [Code.PermissionDenied, "create", "owner_conflict"],
    [Code.PermissionDenied, "update", "owner_conflict"],
    [Code.PermissionDenied, "destroy", "owner_conflict"],
    [Code.PermissionDenied, "teardown", "owner_conflict"],
    [Code.PermissionDenied, "get", "permission_denied"],
    [Code.PermissionDenied, "management", "permission_denied"],
    [Code.FailedPrecondition, "update", "conflict"],
    [Code.FailedPrecondition, "destroy", "conflict"],
    [Code.FailedPrecondition, "teardown", "conflict"],
    [Code.FailedPrecondition, "watch", "failed_precondition"],
    [Code.FailedPrecondition, "get", "failed_precondition"],
    [Code.InvalidArgument, "update", "phase_conflict"],
    [Code.InvalidArgument, "create", "invalid"],
    [Code.InvalidArgument, "list", "invalid"],
    [Code.Unauthenticated, "get", "unauthenticated"],
    [Code.Unimplemented, "teardown", "unimplemented"],
    [Code.Unavailable, "watch", "unavailable"],
    [Code.DeadlineExceeded, "get", "unavailable"],
    [Code.Internal, "get", "internal"],
    [Code.Unknown, "create", "internal"],
  ];
  for (const [code, kind, expected] of cases) {
    it(`${Code[code]} on ${kind} → ${expected}`, () => assert.equal(omniCodeFor(code, kind), expected));
  }

  it("wraps Connect errors with the call, the gRPC code and the scrubbed server message", () => {
    registerSecret("sekret-token-123");
    try {
      const err = toOmniError(
        new ConnectError("update conflict: sekret-token-123", Code.FailedPrecondition),
        "update",
        "update infra-provider/MachineRequests.omni.sidero.dev/r1",
      );
      assert.ok(isOmniError(err, "conflict"));
      assert.equal(err.grpcCode, "FailedPrecondition");
      assert.match(err.message, /^update infra-provider\/MachineRequests\.omni\.sidero\.dev\/r1: FailedPrecondition/);
      assert.ok(!err.message.includes("sekret-token-123"));
      assert.ok(!err.serverMessage?.includes("sekret-token-123"));
    } finally {
      clearSecretsForTests();
    }
  });

  it("a stream the server refused while restarting is retryable, other Internal errors are not", () => {
    const refused = new ConnectError("Stream closed with error code NGHTTP2_REFUSED_STREAM", Code.Internal);
    assert.ok(isOmniError(toOmniError(refused, "create", "create x"), "unavailable"));
    assert.ok(isOmniError(toOmniError(new ConnectError("boom", Code.Internal), "create", "create x"), "internal"));
  });

  it("passes OmniErrors through and recognises codes", () => {
    const e = new OmniError("invalid", "x");
    assert.equal(toOmniError(e, "get", "y"), e);
    assert.ok(isOmniError(e));
    assert.ok(!isOmniError(e, "internal"));
    assert.ok(!isOmniError(new Error("x")));
  });
});
