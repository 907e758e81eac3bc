/**
 * Acceptance 1: the seed's machine classes and cluster template (3 control planes on
 * matrix-control-plane, 2 workers on matrix-worker) become 5 VMs whose config in the Proxmox simulator
 * matches providerdata exactly, control planes on 3 distinct nodes, each NoCloud image — read back by
 * xorriso — carrying the exact join config, and every machine registered with Omni.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildConnectionParams } from "../../src/infra/joinconfig.ts";
import {
  allProvisioned,
  ourVms,
  PROVIDER_ID,
  prop,
  seedScenario,
  startWorld,
  statuses,
  type World,
  waitFor,
} from "./harness.ts";

const xorriso = spawnSync("xorriso", ["-version"]).status === 0;

describe("the seed's cluster on the simulated matrix cluster", () => {
  let world: World;
  before(async () => {
    world = await startWorld();
    const { template, classes } = seedScenario();
    world.scenario.applyTemplate(template, classes);
    await waitFor("5 provisioned, registered machines", () => allProvisioned(world, 5), world, 90_000);
  });
  after(async () => {
    await world?.close();
  });

  test("5 VMs whose config matches providerdata exactly", () => {
    const vms = ourVms(world);
    assert.equal(vms.length, 5);
    const byRequest = new Map(vms.map((vm) => [String(vm.config.name), vm]));
    const status = statuses(world);
    for (const view of world.scenario.requests()) {
      const vm = byRequest.get(view.id);
      assert.ok(vm, `a VM named after request ${view.id}`);
      const cp = view.set.endsWith("-control-planes");
      const c = vm.config;
      assert.equal(Number(c.cores), 4);
      assert.equal(Number(c.sockets), 1);
      assert.equal(Number(c.memory), cp ? 8192 : 16384);
      const scsi0 = prop(c, "scsi0");
      assert.match(String(scsi0.file), /^vm_ssd:vm-\d+-disk-\d+$/);
      assert.equal(scsi0.size, cp ? "50G" : "100G");
      assert.equal(scsi0.ssd, cp ? "1" : undefined);
      assert.equal(scsi0.discard, cp ? "on" : undefined);
      const net0 = prop(c, "net0");
      assert.equal(net0.bridge, "vmbr0");
      assert.equal(prop(c, "cpu").cputype, "x86-64-v2-AES");
      assert.match(String(c.agent), /^(1|enabled=1)$/);
      const uuid = prop(c, "smbios1").uuid;
      assert.equal(uuid, status[view.id]?.id, "SMBIOS UUID = the machine ID reported on MachineRequestStatus");
      const tags = String(c.tags).split(";");
      for (const tag of ["omni-proxmox", `omni-provider.${PROVIDER_ID}`, `omni-request.${view.id}`])
        assert.ok(tags.includes(tag), tag);
      assert.equal(vm.status, "running");
    }
  });

  test("control planes land on 3 distinct nodes", () => {
    const cps = ourVms(world).filter((vm) => String(vm.config.name).includes("-control-planes-"));
    assert.equal(cps.length, 3);
    assert.equal(new Set(cps.map((vm) => vm.node)).size, 3);
  });

  test("each NoCloud image, read back by xorriso, carries the exact join config", {
    skip: xorriso ? false : "xorriso is not installed",
  }, () => {
    const snapshot = world.pve.admin.snapshot();
    for (const vm of ourVms(world)) {
      const requestId = String(vm.config.name);
      const ide3 = prop(vm.config, "ide3");
      const volume = snapshot.volumes.find(
        (v) => v.volid === ide3.file && (v.node === undefined || v.node === vm.node),
      );
      assert.ok(volume?.filePath, `cidata volume ${String(ide3.file)} has a file`);
      const out = mkdtempSync(join(tmpdir(), "cidata-read-"));
      try {
        const r = spawnSync("xorriso", ["-indev", volume.filePath, "-osirrox", "on", "-extract", "/", out], {
          encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        const expected = buildConnectionParams(
          {
            joinToken: world.joinToken,
            apiUrl: "grpc://127.0.0.1:8099",
            eventsPort: 8090,
            logsPort: 8092,
            tokenVersion: "v2",
          },
          { providerId: PROVIDER_ID, grpcTunnel: false, requestId },
        ).joinConfig;
        assert.equal(readFileSync(join(out, "user-data"), "utf8"), expected);
        const meta = readFileSync(join(out, "meta-data"), "utf8");
        assert.match(meta, new RegExp(`local-hostname: "${requestId}"`));
        const pvd = spawnSync("xorriso", ["-indev", volume.filePath, "-pvd_info"], { encoding: "utf8" });
        assert.match(pvd.stdout + pvd.stderr, /Volume Id\s*:\s*cidata/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  });

  test("every machine registered with Omni under the UUID we reported", () => {
    const registered = world.omni.admin.list("infra-provider", "InfraMachineRegistrations.omni.sidero.dev");
    const status = statuses(world);
    for (const view of world.scenario.requests()) {
      const reg = registered.find((r) => r.metadata.id === status[view.id]?.id);
      assert.ok(reg, `machine of ${view.id} registered`);
      assert.equal(reg.metadata.labels["omni.sidero.dev/machine-request"], view.id);
    }
  });
});
