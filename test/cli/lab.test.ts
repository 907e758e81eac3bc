import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { registerDoctorCommand } from "../../src/cli/commands/doctor.ts";
import { registerPlanCommand } from "../../src/cli/commands/plan.ts";
import { runCommand } from "./run-command.ts";
import { type CliRun, lastJsonLine, spawnCli } from "./spawn-cli.ts";

const ROOT = join(import.meta.dirname, "../..");

/** Resolves once the child has printed `text` on stdout; rejects if it exits first. */
function printed(run: CliRun, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!run.stdout().includes(text)) return;
      run.child.stdout?.off("data", check);
      resolve();
    };
    run.child.stdout?.on("data", check);
    run.child.once("exit", (code) =>
      reject(new Error(`exited ${code} before printing "${text}"\n${run.stdout()}\n${run.stderr()}`)),
    );
    check();
  });
}

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
    assert.doesNotMatch(run.stdout(), /warning/, "the seed's 5 machines fit the simulated cluster");
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
    // Without --data-dir the trace sits in a temporary directory removed on stop: counted before that.
    assert.ok((summary.proxmoxRequests as number) > 0, `proxmoxRequests ${summary.proxmoxRequests}`);
  });

  test("without --exit it serves: doctor and plan work from its credentials.json; Ctrl-C exits cleanly", async () => {
    const serveDir = join(dataDir, "serve");
    const run = spawnCli(["lab", "--time-factor", "0.02", "--timeout", "180", "--data-dir", serveDir]);
    try {
      await printed(run, "Serving until Ctrl-C.");
      assert.match(run.stdout(), /Lab endpoints \(also in .*credentials\.json\)/);
      const doctor = await runCommand(registerDoctorCommand, [
        "doctor",
        "--lab",
        serveDir,
        join(ROOT, "examples/machine-classes"),
      ]);
      assert.equal(doctor.code, 0, `${doctor.stdout}\n${doctor.stderr}`);
      assert.match(doctor.stdout, /ok {3}omni\.requests: no machine request failed or stuck/);
      const plan = await runCommand(registerPlanCommand, [
        "plan",
        "--lab",
        serveDir,
        join(ROOT, "examples/clusters/talos-prod-01.yaml"),
        join(ROOT, "examples/machine-classes"),
      ]);
      assert.equal(plan.code, 0, `${plan.stdout}\n${plan.stderr}`);
      assert.match(plan.stdout, /Machines: none to add\./, "the running lab's VMs are not placed again");
    } finally {
      run.child.kill("SIGINT");
    }
    assert.equal(await run.exited, 0, run.stderr());
  });

  test("names a count the simulated cluster cannot hold up front, then fails at --timeout", async () => {
    const run = spawnCli(["lab", "--exit", "--json", "--workers", "10", "--timeout", "1", "--time-factor", "0.02"]);
    assert.equal(await run.exited, 1);
    assert.match(
      run.stdout(),
      /warning: the simulated cluster cannot hold all 13 machines; 1 will wait in step "place" until --timeout \(no node has 16\.0 GiB/,
    );
    assert.equal(lastJsonLine(run.stdout()).ok, false, "the JSON summary stays the last line");
  });

  test("bad flags are refused with the fix", async () => {
    const run = spawnCli(["lab", "--exit", "--scenario", "sideways"]);
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /--scenario: "sideways" is not a scenario; use up or up-down/);
    const faults = spawnCli(["lab", "--exit", "--faults", "explode=1"]);
    assert.equal(await faults.exited, 1);
    assert.match(faults.stderr(), /--faults: unknown item "explode=1"/);
    const offline = spawnCli(["lab", "--exit", "--faults", "offline=zulu"]);
    assert.equal(await offline.exited, 1);
    assert.match(
      offline.stderr(),
      /--faults: offline=zulu names no node of cluster matrix; use one of foxtrot, golf, hotel/,
    );
    const workers = spawnCli(["lab", "--exit", "--workers", "-1"]);
    assert.equal(await workers.exited, 1);
    assert.equal(workers.stdout(), "", "nothing starts before the flags are checked");
    assert.match(workers.stderr(), /--workers: "-1" must be a whole number/);
  });
});
