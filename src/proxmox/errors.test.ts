import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyMessage, classifyResponse, type ProxmoxErrorCode } from "./errors.ts";

const res = (status: number, statusText: string, body: unknown = null) =>
  classifyResponse({ status, statusText, body, method: "POST", path: "/nodes/pve1/qemu" });

describe("error classification", () => {
  const cases: [number, string, unknown, ProxmoxErrorCode][] = [
    [500, "Configuration file 'nodes/pve1/qemu-server/123.conf' does not exist", null, "not_found"],
    [500, "unable to create VM 101 - VM 101 already exists on node 'pve1'", null, "already_exists"],
    [500, "VM is locked (create)", null, "locked"],
    [500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout", null, "locked"],
    [500, "VM 101 is running - destroy failed", null, "conflict"],
    [500, "hostname lookup 'nosuchnode' failed - failed to get address info for: nosuchnode", null, "not_found"],
    [500, "only root can set 'hugepages' config", null, "permission_denied"],
    [500, "unable to get any free VMID in range [100, 1000000]", null, "conflict"],
    [500, "something odd", null, "unknown"],
    [
      400,
      "Parameter verification failed.",
      { data: null, errors: { cores: "type check ('integer') failed - got 'two'" } },
      "invalid_params",
    ],
    [
      400,
      "Parameter verification failed.",
      { data: null, errors: { vmid: "VM 200 already exists" } },
      "already_exists",
    ],
    [400, "Parameter verification failed.", { data: null, errors: { upid: "no such task" } }, "not_found"],
    [401, "Authentication failed!", undefined, "auth_failed"],
    [403, "Permission check failed (/vms/101, VM.Allocate)", null, "permission_denied"],
    [501, "Method 'GET /nodes/pve1/bogus' not implemented", null, "unsupported"],
    [503, "Service Unavailable", undefined, "unavailable"],
    [595, "Errors during connection establishment, proxy handshake: Connection refused", undefined, "node_unreachable"],
    [
      596,
      "Errors during TLS negotiation, request sending and header processing: Connection timed out",
      undefined,
      "node_unreachable",
    ],
  ];
  for (const [status, reason, body, code] of cases) {
    it(`${status} ${reason} → ${code}`, () => assert.equal(res(status, reason, body).code, code));
  }

  it("prefers the body message and keeps the per-parameter map", () => {
    const err = res(400, "Parameter verification failed.", {
      data: null,
      message: "Parameter verification failed.\n",
      errors: { scsi0: "invalid format - invalid key in comma-separated list property: bogus\n" },
    });
    assert.equal(err.code, "invalid_params");
    assert.deepEqual(Object.keys(err.params), ["scsi0"]);
    assert.match(err.message, /scsi0: invalid format/);
    assert.match(err.message, /POST \/nodes\/pve1\/qemu failed with 400/);
    assert.equal(err.status, 400);
  });

  it("classifies task exit statuses", () => {
    assert.equal(classifyMessage("unable to create VM 101 - volume local:iso/x.iso does not exist"), "not_found");
    assert.equal(classifyMessage("VM 101 already running"), "conflict");
    assert.equal(classifyMessage("VM quit/powerdown failed - got timeout"), "timeout");
  });
});
