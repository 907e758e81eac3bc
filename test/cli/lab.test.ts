import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { lastJsonLine, spawnCli } from "./spawn-cli.ts";

// `npm start -- --exit --json` and `--scenario up-down`, end to end: the lab process starts both
// simulators and `omni-proxmox run` as a child, over HTTPS and gRPC, exactly as a user runs it.
describe("omni-proxmox lab", { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lab-cli-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test("--exit --json provisions and registers all 5 machines of talos-prod-01", async () => {
    const trace = join(dataDir, "trace.jsonl");
    const run = spawnCli([
      "lab",
      "--exit",
      "--json",
      "--time-factor",
      "0.02",
      "--timeout",
      "180",
      "--data-dir",
      dataDir,
      "--trace-proxmox",
      trace,
    ]);
    const code = await run.exited;
    const summary = lastJsonLine(run.stdout());
    assert.equal(code, 0, `${run.stdout()}\n${run.stderr()}`);
    assert.equal(summary.requested, 5);
    assert.equal(summary.provisioned, 5);
    assert.equal(summary.registered, 5);
    assert.deepEqual(summary.failed, []);
    const machines = summary.machines as Array<{
      request: string;
      node: string;
      vmid: number;
      storage: string;
      uuid: string;
    }>;
    assert.equal(machines.length, 5);
    const controlPlaneNodes = machines.filter((m) => m.request.includes("control-planes")).map((m) => m.node);
    assert.equal(new Set(controlPlaneNodes).size, 3, "control planes on 3 distinct nodes");
    for (const m of machines) {
      assert.equal(m.storage, "vm_ssd");
      assert.match(m.uuid, /^[0-9a-f-]{36}$/);
    }
    const traced = readFileSync(trace, "utf8").trim().split("\n");
    assert.equal(summary.proxmoxRequests, traced.length);
    for (const line of traced.slice(0, 5))
      assert.deepEqual(Object.keys(JSON.parse(line)).sort(), ["method", "params", "path", "status"]);
    // --data-dir keeps credentials for the other commands; secrets never reach the provider's log.
    const credentials = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
    assert.equal(credentials.providerId, "matrix-cluster");
    const log = readFileSync(join(dataDir, "provider.log"), "utf8");
    assert.ok(!log.includes(credentials.proxmox.tokenSecret), "token secret in provider log");
    assert.ok(!log.includes(credentials.omni.serviceAccountKey), "service-account key in provider log");
    assert.ok(existsSync(join(dataDir, "config.yaml")));
  });

  test("--scenario up-down ends with every VM and volume gone", async () => {
    const run = spawnCli([
      "lab",
      "--exit",
      "--json",
      "--scenario",
      "up-down",
      "--time-factor",
      "0.02",
      "--timeout",
      "180",
    ]);
    const code = await run.exited;
    const summary = lastJsonLine(run.stdout());
    assert.equal(code, 0, `${run.stdout()}\n${run.stderr()}`);
    assert.equal(summary.deprovisioned, 5);
    assert.deepEqual(summary.leftovers, { vms: 0, volumes: 0 });
  });

  test("bad flags are refused with the fix", async () => {
    const run = spawnCli(["lab", "--exit", "--scenario", "sideways"]);
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /--scenario: "sideways" is not a scenario; use up or up-down/);
    const faults = spawnCli(["lab", "--exit", "--faults", "explode=1"]);
    assert.equal(await faults.exited, 1);
    assert.match(faults.stderr(), /--faults: unknown item "explode=1"/);
  });
});
