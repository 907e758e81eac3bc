import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { isInfraError } from "../../src/infra/errors.ts";
import { type BootAsset, done, fail, type InfraProviderDefinition } from "../../src/infra/steps.ts";
import { createLogger } from "../../src/observability/logger.ts";
import {
  InfraProviderHealthStatusSpecSchema,
  MachineRequestStatusSpec_Stage as Stage,
} from "../../src/omni/gen/omni/specs/infra_pb.js";
import { ConfigPatchSpecSchema } from "../../src/omni/gen/omni/specs/omni_pb.js";
import { type FakeState, fakeStateCodec } from "./fake-provisioner.ts";
import { CPR_TYPE, type InfraHarness, NS_INFRA, startInfraHarness } from "./harness.ts";

describe("step context against the Omni simulator", () => {
  let h: InfraHarness;
  before(async () => {
    h = await startInfraHarness();
  });
  after(async () => {
    await h.close();
  });

  it("creates config patches, boot assets and heartbeats with the health verdict", async () => {
    const assets: BootAsset[] = [];
    const refusals: unknown[] = [];
    const seen: { providerData: string; requestSetId: string; joinConfig: string }[] = [];
    const provider: InfraProviderDefinition<FakeState> = {
      name: "Steps",
      description: "exercises the step context",
      icon: "",
      version: "1",
      schema: "{}",
      stateCodec: fakeStateCodec,
      steps: [
        {
          name: "image",
          async run(ctx) {
            seen.push({
              providerData: ctx.providerData,
              requestSetId: ctx.requestSetId,
              joinConfig: ctx.connection.joinConfig,
            });
            try {
              await ctx.generateSchematic(); // the token names the request: must not go into an image
            } catch (err) {
              refusals.push(err);
            }
            assets.push(
              await ctx.ensureBootAsset({
                kind: "iso",
                platform: "nocloud",
                architecture: "amd64",
                withoutConnectionParams: true,
              }),
            );
            await ctx.createConfigPatch(`${ctx.requestId}-hostname`, "machine:\n  network:\n    hostname: w1\n");
            return done();
          },
        },
        { name: "never-fails", run: async () => (assets.length > 0 ? done() : fail("no asset")) },
      ],
      deprovision: async () => {},
      healthCheck: async () => "proxmox API unreachable",
    };
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: "debug",
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const runtime = h.runtime({ provider: { definition: provider }, logger });
    await runtime.start();
    h.omni.admin.createMachineRequest({
      providerId: "fake",
      id: "steps-1",
      requestSetId: "workers",
      providerData: "size: large\n",
      extensions: ["siderolabs/qemu-guest-agent"],
    });
    await h.until(() => h.status("steps-1")?.stage === Stage.PROVISIONED, "steps-1 provisioned");

    const health = h.resource("infra-provider-ephemeral", "InfraProviderHealthStatuses.omni.sidero.dev", "fake");
    assert.ok(health, "heartbeat written");
    assert.equal(health.metadata.owner, "fake.ProviderHealthStatusController");
    assert.equal(
      fromBinary(InfraProviderHealthStatusSpecSchema, health.spec.protoSpec).error,
      "proxmox API unreachable",
    );
    await runtime.stop();

    const reconcileLines = lines.filter((l) => l.step !== undefined || String(l.msg).includes("provision"));
    assert.ok(reconcileLines.length >= 3, "the reconcile logged");
    for (const line of reconcileLines) assert.equal(line.request, "steps-1", `request ID on: ${String(line.msg)}`);
    assert.ok(
      lines.every((l) => !JSON.stringify(l).includes("jointoken=")),
      "no join token in logs",
    );

    assert.equal(seen[0]?.providerData, "size: large\n");
    assert.equal(seen[0]?.requestSetId, "workers");
    assert.match(seen[0]?.joinConfig ?? "", /^apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: .*jointoken=v2%3A/);
    assert.equal(refusals.length, 1);
    assert.ok(isInfraError(refusals[0], "invalid_schematic"));
    assert.match(assets[0]?.url ?? "", /\/image\/[0-9a-f]{64}\/v1\.13\.8\/nocloud-amd64\.iso$/);
    assert.equal(assets[0]?.schematicId.length, 64);

    const patch = h.resource(NS_INFRA, CPR_TYPE, "steps-1-hostname");
    assert.ok(patch, "config patch request created");
    assert.equal(patch.metadata.labels["omni.sidero.dev/machine-request"], "steps-1");
    assert.equal(patch.metadata.labels["omni.sidero.dev/infra-provider-id"], "fake");
    assert.equal(patch.metadata.owner, "fake.ProvisionController");
    assert.match(fromBinary(ConfigPatchSpecSchema, patch.spec.protoSpec).data, /hostname: w1/);
  });
});
