import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { isInfraError } from "./errors.ts";
import { buildConnectionParams, encodeJoinToken, goQueryEscape, siderolinkApiUrl, yamlScalar } from "./joinconfig.ts";

const PROVIDER_ONLY_V2 =
  "v2:eyJleHRyYV9kYXRhIjp7Im9tbmkuc2lkZXJvLmRldi9pbmZyYS1wcm92aWRlci1pZCI6InRlc3QifSwic2lnbmF0dXJlIjoiWTNpZ285V2xJSVZOWWpXZmgyWlg5NnpnWW5UQjlwWTI3ZEJaVnJwNDJMZz0ifQ==";
const WITH_REQUEST_V2 =
  "v2:eyJleHRyYV9kYXRhIjp7Im9tbmkuc2lkZXJvLmRldi9pbmZyYS1wcm92aWRlci1pZCI6InRlc3QiLCJvbW5pLnNpZGVyby5kZXYvbWFjaGluZS1yZXF1ZXN0IjoicmVxdWVzdDEifSwic2lnbmF0dXJlIjoiellrTFRwOUVIanlwTGxrZG1mZjV2Z1A1SERXRktUUXBGR281REp2TDV4MD0ifQ==";

describe("join tokens (§7.2 vectors)", () => {
  it("signs the provider ID into a v2 token", () => {
    assert.equal(encodeJoinToken("abcd", "v2", { "omni.sidero.dev/infra-provider-id": "test" }), PROVIDER_ONLY_V2);
  });

  it("signs the request ID too, keys sorted", () => {
    const token = encodeJoinToken("abcd", "v2", {
      "omni.sidero.dev/machine-request": "request1",
      "omni.sidero.dev/infra-provider-id": "test",
    });
    assert.equal(token, WITH_REQUEST_V2);
  });

  it("carries an HMAC of the extra data keyed by the plain token", () => {
    const body = JSON.parse(Buffer.from(PROVIDER_ONLY_V2.slice(3), "base64").toString("utf8"));
    assert.equal(body.signature, "Y3igo9WlIIVNYjWfh2ZX96zgYnTB9pY27dBZVrp42Lg=");
  });

  it("uses v1 for legacy mode and leaves prefixed or plain tokens alone", () => {
    assert.ok(encodeJoinToken("abcd", "v1", { a: "b" }).startsWith("v1:"));
    assert.equal(encodeJoinToken("v2:already", "v2", { a: "b" }), "v2:already");
    assert.equal(encodeJoinToken("abcd", "plain", { a: "b" }), "abcd");
  });

  it("escapes HTML characters the way Go does", () => {
    const token = encodeJoinToken("abcd", "v2", { k: "<a&b>" });
    const body = Buffer.from(token.slice(3), "base64").toString("utf8");
    assert.match(body, /"k":"\\u003ca\\u0026b\\u003e"/);
  });
});

describe("SideroLink API URL (§7.3)", () => {
  it("adds the token and tunnel flag with sorted keys", () => {
    assert.equal(
      siderolinkApiUrl("grpc://127.0.0.1:8099", "abcd", true),
      "grpc://127.0.0.1:8099?grpc_tunnel=true&jointoken=abcd",
    );
  });

  it("escapes the token and keeps existing parameters", () => {
    assert.equal(
      siderolinkApiUrl("https://omni.example:8090/x?z=1&a=b+c", "v2:ab/c=", false),
      "https://omni.example:8090/x?a=b+c&jointoken=v2%3Aab%2Fc%3D&z=1",
    );
  });

  it("escapes like url.QueryEscape", () => {
    assert.equal(goQueryEscape("a b~_-.é"), "a+b~_-.%C3%A9");
  });
});

describe("join config and kernel args (§7.5, §7.6)", () => {
  it("reproduces the Go library's join config byte for byte", () => {
    const params = buildConnectionParams(
      { joinToken: "abcd", apiUrl: "grpc://127.0.0.1:8099", eventsPort: 8091, logsPort: 8092, tokenVersion: "plain" },
      { providerId: "test", grpcTunnel: true },
    );
    assert.equal(
      params.joinConfig,
      [
        "apiVersion: v1alpha1",
        "kind: SideroLinkConfig",
        "apiUrl: grpc://127.0.0.1:8099?grpc_tunnel=true&jointoken=abcd",
        "---",
        "apiVersion: v1alpha1",
        "kind: EventSinkConfig",
        "endpoint: '[fdae:41e4:649b:9303::1]:8091'",
        "---",
        "apiVersion: v1alpha1",
        "kind: KmsgLogConfig",
        "name: omni-kmsg",
        "url: tcp://[fdae:41e4:649b:9303::1]:8092",
        "",
      ].join("\n"),
    );
    assert.deepEqual(params.kernelArgs, [
      "siderolink.api=grpc://127.0.0.1:8099?grpc_tunnel=true&jointoken=abcd",
      "talos.events.sink=[fdae:41e4:649b:9303::1]:8091",
      "talos.logging.kernel=tcp://[fdae:41e4:649b:9303::1]:8092",
    ]);
  });

  it("yields kernel args whose schematic ID matches the §8.3 vector", () => {
    const params = buildConnectionParams(
      { joinToken: "abcd", apiUrl: "http://127.0.0.1:8099", eventsPort: 8091, logsPort: 8092, tokenVersion: "v2" },
      { providerId: "test", grpcTunnel: false },
    );
    const canonical = `customization:\n    extraKernelArgs:\n${[...params.kernelArgs]
      .sort()
      .map((arg) => `        - ${arg}\n`)
      .join("")}`;
    assert.equal(
      createHash("sha256").update(canonical).digest("hex"),
      "4e2a2ec4368100c1b21d4fa7be47f3d38ddab9185f34fc187f82400b1e20da17",
    );
  });

  it("encodes the request ID when asked", () => {
    const params = buildConnectionParams(
      { joinToken: "abcd", apiUrl: "https://127.0.0.1:8099", eventsPort: 1, logsPort: 2, tokenVersion: "v2" },
      { providerId: "test", grpcTunnel: false, requestId: "request1" },
    );
    assert.equal(params.joinToken, WITH_REQUEST_V2);
    assert.equal(params.apiUrl, `https://127.0.0.1:8099?jointoken=${goQueryEscape(WITH_REQUEST_V2)}`);
  });

  it("names every missing input", () => {
    assert.throws(
      () =>
        buildConnectionParams(
          { joinToken: "", apiUrl: "", eventsPort: 0, logsPort: 8092, tokenVersion: "v2" },
          { providerId: "test", grpcTunnel: false },
        ),
      (err) => isInfraError(err, "invalid_join_config") && /join token, machine API URL, events port/.test(err.message),
    );
  });

  it("quotes only ambiguous YAML scalars", () => {
    assert.equal(yamlScalar("tcp://x:1"), "tcp://x:1");
    assert.equal(yamlScalar("[::1]:1"), "'[::1]:1'");
    assert.equal(yamlScalar("true"), "'true'");
    assert.equal(yamlScalar("it's: x"), "'it''s: x'");
  });
});
