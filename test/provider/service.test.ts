/** startProvider refuses a provider ID that is not the one inside the service-account key. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { startProvider } from "../../src/provider/service.ts";

describe("startProvider", () => {
  let omni: OmniSimulator;
  before(async () => {
    omni = await startOmniSimulator();
  });
  after(async () => {
    await omni.close();
  });

  test("refuses to start when --id differs from the key's provider, naming the fix", async () => {
    omni.registerProvider("other-cluster");
    const key = await omni.mintProviderKey("other-cluster");
    await assert.rejects(
      startProvider(
        {
          providerId: "matrix-cluster",
          providerName: "Proxmox",
          providerDescription: "",
          omni: { endpoint: omni.url, serviceAccountKey: key, insecureSkipVerify: false },
          proxmox: {
            url: "https://127.0.0.1:1",
            auth: { kind: "token", tokenId: "a@pve!b", secret: "s" },
            insecureSkipVerify: false,
            timeoutMs: 1000,
          },
          concurrency: 1,
          overcommit: { memory: 1, cpu: 4, storage: 1 },
          gcIntervalMs: 0,
          isoGraceMs: 0,
          logLevel: "silent",
          logFormat: "json",
        },
        { logger: silentLogger() },
      ),
      (err: Error & { code?: string }) =>
        err.code === "provider_id_mismatch" && err.message.includes("--id other-cluster") && !err.message.includes(key),
    );
  });
});
