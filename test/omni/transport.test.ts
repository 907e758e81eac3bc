/** Transport behaviour against the simulator: TLS verification, metadata, gzip responses, concurrent writers. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Interceptor } from "@connectrpc/connect";
import {
  ConfigPatchRequests,
  createOmniTransport,
  isOmniError,
  MachineRequestStatuses,
  provisionControllerName,
  StateClient,
} from "../../src/omni/index.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("Omni transport over TLS", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tls: true });
  });
  after(async () => {
    await h.close();
  });

  it("verifies the server certificate by default and skips verification only when asked", async () => {
    const unverified = createOmniTransport({ endpoint: h.omni.url, key: h.key });
    try {
      await assert.rejects(
        new StateClient(unverified, "proxmox").list(MachineRequestStatuses),
        (e) => isOmniError(e) && /certificate/.test(e.message),
      );
    } finally {
      unverified.close();
    }
    const insecure = createOmniTransport({
      endpoint: `${h.omni.url}/ignored/path`,
      key: h.key,
      insecureSkipVerify: true,
    });
    try {
      assert.deepEqual(await new StateClient(insecure, "proxmox").list(MachineRequestStatuses), []);
    } finally {
      insecure.close();
    }
  });

  it("names an unreadable CA file", () => {
    assert.throws(
      () => createOmniTransport({ endpoint: h.omni.url, key: h.key, caFile: "/nonexistent/ca.pem" }),
      (e) => isOmniError(e, "invalid") && e.message.includes("/nonexistent/ca.pem"),
    );
  });

  it("sends providerid on State calls only, and decodes gzip responses", async () => {
    const seen: { method: string; providerId: string | null; encoding: string | null }[] = [];
    const record: Interceptor = (next) => async (req) => {
      const res = await next(req);
      seen.push({
        method: req.method.name,
        providerId: req.header.get("providerid"),
        encoding: res.stream ? null : res.header.get("grpc-encoding"),
      });
      return res;
    };
    const { state, management } = h.connect({ interceptors: [record] });
    const owner = provisionControllerName("proxmox");
    const big = "machine:\n  files:\n".concat("    - content: abcdefghijklmnopqrstuvwxyz0123456789\n".repeat(200));
    await state.create(
      ConfigPatchRequests,
      { metadata: { id: "gz-1" }, spec: { ...ConfigPatchRequests.empty(), data: big } },
      { owner },
    );
    const back = await state.get(ConfigPatchRequests, "gz-1");
    assert.equal(back.spec.data, big);
    await management.createSchematicFromRaw("customization: {}\n");
    const get = seen.find((s) => s.method === "Get");
    assert.equal(get?.providerId, "proxmox");
    assert.equal(get?.encoding, "gzip", "the server compressed the large answer and we decoded it");
    assert.equal(seen.find((s) => s.method === "CreateSchematicFromRaw")?.providerId, null);
  });

  it("retries version conflicts in modify so concurrent writers both land", async () => {
    const owner = provisionControllerName("proxmox");
    const spec = MachineRequestStatuses.empty();
    await h.state.create(MachineRequestStatuses, { metadata: { id: "race-1" }, spec }, { owner });
    const other = h.connect().state;
    await Promise.all(
      [h.state, other, h.state, other].map((client, i) =>
        client.modify(MachineRequestStatuses, "race-1", { owner }, (r) => {
          r.metadata.labels[`writer-${i}`] = "yes";
        }),
      ),
    );
    const final = await h.state.get(MachineRequestStatuses, "race-1");
    assert.deepEqual(
      Object.keys(final.metadata.labels)
        .filter((k) => k.startsWith("writer-"))
        .sort(),
      ["writer-0", "writer-1", "writer-2", "writer-3"],
    );
    assert.equal(final.metadata.version, "5");
  });
});
