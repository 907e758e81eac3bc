import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type ImageFactory, startImageFactory } from "../../src/lab/factory/index.ts";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { type PveSimulator, startPveSimulator } from "../../src/lab/pve/index.ts";
import { decodeRequestStatus } from "../../src/lab/scenario/index.ts";
import { spawnCli } from "./spawn-cli.ts";

const PROVIDER_ID = "matrix-cluster";

// `omni-proxmox run` with exactly the Go provider's flags and config file (insecureSkipVerify, as the
// seed's deployment has it) against the lab's simulators.
describe("omni-proxmox run", { timeout: 120_000 }, () => {
  let pve: PveSimulator;
  let omni: OmniSimulator;
  let factory: ImageFactory;
  let key: string;
  let configFile: string;
  const dir = mkdtempSync(join(tmpdir(), "run-cli-"));

  before(async () => {
    pve = await startPveSimulator({ timeFactor: 0, dataDir: join(dir, "pve") });
    factory = await startImageFactory();
    omni = await startOmniSimulator({ tls: true, factoryUrl: factory.url });
    omni.registerProvider(PROVIDER_ID);
    key = await omni.mintProviderKey(PROVIDER_ID);
    configFile = join(dir, "config.yaml");
    writeFileSync(
      configFile,
      [
        "proxmox:",
        `  url: "${pve.url}"`,
        `  tokenID: "${pve.tokens.provider.tokenId}"`,
        `  tokenSecret: "${pve.tokens.provider.secret}"`,
        "  insecureSkipVerify: true  # Self-signed Proxmox certs",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await omni?.close();
    await pve?.close();
    await factory?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Go provider flags + config file: a machine request becomes a running VM; SIGTERM stops cleanly", async () => {
    const run = spawnCli([
      "run",
      "--config-file",
      configFile,
      "--omni-api-endpoint",
      omni.url,
      "--omni-service-account-key",
      key,
      "--id",
      PROVIDER_ID,
      "--provider-name",
      "Proxmox",
      "--provider-description",
      "Proxmox infrastructure provider",
      "--insecure-skip-verify",
    ]);
    try {
      const request = omni.admin.createMachineRequest({
        providerId: PROVIDER_ID,
        requestSetId: "talos-prod-01-workers",
        talosVersion: "1.11.6",
        providerData: 'cores: 2\nmemory: 4096\ndisk_size: 20\nstorage_selector: name == "vm_ssd"\n',
      });
      const id = request.metadata.id;
      const deadline = Date.now() + 90_000;
      let stage = "";
      while (Date.now() < deadline) {
        const status = omni.admin.get("infra-provider", "MachineRequestStatuses.omni.sidero.dev", id);
        stage = status ? decodeRequestStatus(status.spec.protoSpec).stage : "";
        if (stage === "PROVISIONED" || run.child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(stage, "PROVISIONED", run.stderr());
      const vm = pve.admin.snapshot().vms.find((v) => v.config.name === id);
      assert.equal(vm?.status, "running");
      assert.ok(!run.stderr().includes(key), "service-account key in the provider's log");
      assert.ok(!run.stderr().includes(pve.tokens.provider.secret), "token secret in the provider's log");
    } finally {
      run.child.kill("SIGTERM");
    }
    assert.equal(await run.exited, 0);
  });

  test("refuses to start when --id disagrees with the key, naming the fix", async () => {
    const run = spawnCli(
      [
        "run",
        "--config-file",
        configFile,
        "--omni-api-endpoint",
        omni.url,
        "--id",
        "Proxmox",
        "--insecure-skip-verify",
      ],
      { OMNI_INFRA_PROVIDER_KEY: key },
    );
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /--id matrix-cluster/);
    assert.ok(!run.stderr().includes(key));
  });

  test("a config mistake exits 2 with the setting and the fix", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, 'proxmox:\n  url: "https://pve:8006/api2/json"\n  tokenId: "a@pam!b"\n  tokenSecret: "x"\n');
    const run = spawnCli(["run", "--config-file", bad, "--omni-api-endpoint", omni.url], {
      OMNI_SERVICE_ACCOUNT_KEY: key,
    });
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /did you mean "tokenID"/);
  });
});
