import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOmniError } from "./errors.ts";
import { resolveDialTarget } from "./transport.ts";

describe("resolveDialTarget (omni-protocol.md §1.1)", () => {
  it("dials https with TLS on 443 by default and ignores the path", () => {
    assert.deepEqual(resolveDialTarget("https://omni.example.com/some/path?x=1"), {
      baseUrl: "https://omni.example.com:443",
      target: "omni.example.com:443",
      tls: true,
    });
  });
  it("dials http and grpc in cleartext, port 80 by default", () => {
    assert.deepEqual(resolveDialTarget("http://omni.local"), {
      baseUrl: "http://omni.local:80",
      target: "omni.local:80",
      tls: false,
    });
    assert.equal(resolveDialTarget("grpc://127.0.0.1:8099").target, "127.0.0.1:8099");
    assert.equal(resolveDialTarget("grpc://127.0.0.1:8099").tls, false);
    assert.equal(resolveDialTarget("https://[::1]:8443").target, "[::1]:8443");
  });
  it("refuses a non-URL endpoint, naming it", () => {
    assert.throws(
      () => resolveDialTarget("omni.example.com"),
      (e) => isOmniError(e, "invalid") && /omni\.example\.com/.test(e.message),
    );
  });
});
