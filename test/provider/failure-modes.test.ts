/**
 * Regression tests for failure modes 2–7 of issue 5 (1 and 8: failure-modes-1-8.test.ts) (each reported against the Go provider), one
 * test per mode, named after it. Everything runs against the simulators over the wire.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { defaultMatrixWorld } from "../../src/lab/pve/index.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { sweep } from "../../src/provider/gc/index.ts";
import { createVmWithFreshVmid, VmidAllocator } from "../../src/proxmox/index.ts";
import {
  adminPve,
  allProvisioned,
  isProvisioned,
  ourVms,
  PROVIDER_ID,
  prop,
  requestMachine,
  startWorld,
  statuses,
  tearDown,
  vmOf,
  type World,
  waitFor,
} from "./harness.ts";

const SMALL = ["cores: 1", "memory: 2048", "disk_size: 5", 'storage_selector: name == "vm_ssd"'].join("\n");

async function ignoreErrors(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch {
    // cleanup only
  }
}

/** Every error text a request's status showed while the test ran. */
function recordErrors(world: World, requestId: string): string[] {
  const seen: string[] = [];
  world.omni.admin.subscribe(() => {
    const error = statuses(world)[requestId]?.error;
    if (error && seen.at(-1) !== error) seen.push(error);
  });
  return seen;
}

/**
 * The matrix world plus a small shared CephFS storage for ISOs. It has less free space than `local`,
 * so only an explicit `iso_storage_selector` puts ISOs there.
 */
function worldWithIsoStorage() {
  const world = defaultMatrixWorld();
  world.storages.push({ id: "isos", type: "cephfs", shared: true, content: ["iso"], capacityBytes: 50 * 1024 ** 3 });
  const privs = ["Datastore.AllocateSpace", "Datastore.Audit", "Datastore.AllocateTemplate", "Datastore.Allocate"];
  for (const principal of ["omni@pve", "omni@pve!provider"])
    world.acl.push({ path: "/storage/isos", principal, privs, propagate: true });
  return world;
}

describe("issue 5 failure modes", () => {
  let world: World;
  before(async () => {
    world = await startWorld({ world: worldWithIsoStorage(), vmidRange: { min: 500, max: 599 } });
  });
  after(async () => {
    await world?.close();
  });

  test("failure mode 2: no VMID collisions under parallel scale-up, racing another client, foreign VMs skipped", async () => {
    const pve = adminPve(world);
    try {
      for (const vmid of [500, 502, 503]) {
        await pve.waitForTask(await pve.createVm("golf", { vmid, name: `foreign-${vmid}`, memory: 512 }));
      }
      const ids = Array.from({ length: 10 }, (_, i) =>
        requestMachine(world, `scale-workers-vmid${String(i).padStart(2, "0")}`, SMALL, "scale-workers"),
      );
      // Another process (say, Terraform) allocating from the same range at the same time, with its own allocator:
      // Proxmox arbitrates, the loser of each race gets `already_exists` and takes the next ID.
      const other = new VmidAllocator(pve, { range: { min: 500, max: 599 } });
      const racing = await Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          const { vmid, upid } = await createVmWithFreshVmid(pve, other, "hotel", (id) => ({
            vmid: id,
            name: `terraform-${i}`,
            memory: 512,
          }));
          await pve.waitForTask(upid);
          return vmid;
        }),
      );
      await waitFor("10 provisioned", () => ids.every((id) => isProvisioned(world, id)), world, 90_000);
      const vmids = ids.map((id) => vmOf(world, id)?.vmid ?? 0);
      assert.equal(
        new Set([...vmids, ...racing]).size,
        15,
        `no VMID shared with the other client: ${racing.join(",")}`,
      );
      assert.equal(new Set(vmids).size, 10, `distinct VMIDs: ${vmids.join(",")}`);
      for (const vmid of vmids) {
        assert.ok(vmid >= 500 && vmid <= 599, `${vmid} in the configured range`);
        assert.ok(![500, 502, 503].includes(vmid), `${vmid} is not a foreign VM's`);
      }
      const snapshot = world.pve.admin.snapshot();
      for (const vmid of [500, 502, 503])
        assert.equal(snapshot.vms.find((vm) => vm.vmid === vmid)?.config.name, `foreign-${vmid}`);
      for (const id of ids) await tearDown(world, id);
    } finally {
      await pve.close();
    }
  });

  test("failure mode 3: a failed create task is cleaned up and retried, not wedged", async () => {
    world.pve.admin.injectFault({
      endpoint: "/^\\/nodes\\/[^/]+\\/qemu$/",
      method: "POST",
      taskFailure: "unable to create VM - rbd: pool vm_ssd is full",
      count: 2,
    });
    const id = "fm3-workers-create";
    const errors = recordErrors(world, id);
    requestMachine(world, id, SMALL, "fm3-workers");
    await waitFor("provisioned after failed creates", () => isProvisioned(world, id), world);
    assert.ok(
      errors.some((e) => e.includes("attempt 2") && e.includes("pool vm_ssd is full")),
      errors.join(" | "),
    );
    assert.equal(ourVms(world).filter((vm) => vm.config.name === id).length, 1);
    await tearDown(world, id);
  });

  test("failure mode 3: a failed start task is diagnosed and retried, not wedged", async () => {
    world.pve.admin.injectFault({
      endpoint: "/status/start",
      method: "POST",
      taskFailure: "start failed: QEMU exited with code 1 - cannot allocate memory",
      count: 2,
    });
    const id = "fm3-workers-start";
    const errors = recordErrors(world, id);
    requestMachine(world, id, SMALL, "fm3-workers");
    await waitFor("provisioned after failed starts", () => isProvisioned(world, id), world);
    assert.ok(
      errors.some((e) => e.includes("starting VM") && e.includes("cannot allocate memory")),
      errors.join(" | "),
    );
    assert.equal(vmOf(world, id)?.status, "running");
    await tearDown(world, id);
  });

  test("failure mode 3: a crash between create and saving state adopts the VM instead of creating a duplicate", async () => {
    // Hold the create task's status answers so the provider is stopped while it waits, before it saves.
    world.pve.admin.injectFault({ endpoint: "qmcreate", latencyMs: 1_000 });
    const id = "fm3-workers-crash";
    requestMachine(world, id, SMALL, "fm3-workers");
    const first = await waitFor("the VM to appear", () => vmOf(world, id), world);
    await world.provider?.stop();
    world.pve.admin.clearFaults();
    await world.startProvider();
    await waitFor("provisioned by the restarted provider", () => isProvisioned(world, id), world);
    const vms = ourVms(world).filter((vm) => vm.config.name === id);
    assert.equal(vms.length, 1, "exactly one VM for the request");
    assert.equal(vms[0]?.vmid, first.vmid, "the VM created before the crash was adopted");
    await tearDown(world, id);
  });

  test("failure mode 5: the NoCloud image is ISO 9660 + Rock Ridge without Joliet; the host name comes from meta-data", async (t) => {
    const id = "fm5-workers-nocloud";
    requestMachine(world, id, SMALL, "fm5-workers");
    await waitFor("provisioned", () => allProvisioned(world, 1), world);
    const vm = vmOf(world, id);
    assert.ok(vm);
    const file = world.pve.admin.snapshot().volumes.find((v) => v.volid === prop(vm.config, "ide3").file)?.filePath;
    assert.ok(file);
    if (spawnSync("isoinfo", ["-version"]).error) {
      t.skip("isoinfo is not installed (apt-get install -y genisoimage)");
    } else {
      const info = spawnSync("isoinfo", ["-d", "-i", file], { encoding: "utf8" }).stdout;
      assert.match(info, /Volume id: cidata/);
      assert.match(info, /NO Joliet present/);
      assert.match(info, /Rock Ridge signatures version 1 found/);
      const meta = spawnSync("isoinfo", ["-R", "-i", file, "-x", "/meta-data"], { encoding: "utf8" }).stdout;
      assert.match(meta, new RegExp(`local-hostname: "${id}"`));
    }
    const patches = world.omni.admin.list("infra-provider", "ConfigPatchRequests.omni.sidero.dev");
    assert.deepEqual(
      patches.filter((p) => p.metadata.labels["omni.sidero.dev/machine-request"] === id),
      [],
      "no hostname config patch",
    );
    await tearDown(world, id);
  });

  test("failure mode 6: storage selector mistakes fail validation with the fix named; storages are filtered by content", async () => {
    const cases: [string, string, RegExp][] = [
      ["fm6-workers-empty", 'storage_selector: ""', /storage_selector/],
      ["fm6-workers-bare", "storage_selector: local-lvm", /storage_selector.*name == "local-lvm"/],
      ["fm6-workers-typefn", 'storage_selector: type == "rbd"', /storage_selector.*storage\.type|storageType/],
      ["fm6-workers-uint", "storage_selector: availableSpace > 50", /storage_selector.*50u/],
    ];
    const base = ["cores: 1", "memory: 2048", "disk_size: 5"].join("\n");
    for (const [id, line] of cases) requestMachine(world, id, `${base}\n${line}`, "fm6-workers");
    const noImages = requestMachine(
      world,
      "fm6-workers-noimages",
      `${base}\nstorage_selector: name == "local"`,
      "fm6-workers",
    );
    await waitFor(
      "every selector error reported",
      () => cases.every(([id]) => statuses(world)[id]?.stage === "FAILED"),
      world,
    );
    for (const [id, , pattern] of cases) assert.match(statuses(world)[id]?.error ?? "", pattern, id);
    await waitFor(
      "the content filter explained",
      () => /local/.test(statuses(world)[noImages]?.error ?? "") && statuses(world)[noImages],
      world,
    );
    assert.match(statuses(world)[noImages]?.error ?? "", /images/);
    for (const id of [...cases.map(([id]) => id), noImages]) {
      assert.equal(vmOf(world, id), undefined, `${id}: no VM`);
      await tearDown(world, id);
    }
  });

  test("options Proxmox refuses to API tokens fail validation up front, before anything is created", async () => {
    const id = requestMachine(world, "fm9-workers-hugepages", `${SMALL}\nhugepages: "2"`, "fm9-workers");
    await waitFor("validation failed", () => statuses(world)[id]?.stage === "FAILED", world);
    assert.match(statuses(world)[id]?.error ?? "", /hugepages.*root@pam/);
    assert.match(statuses(world)[id]?.status ?? "", /"validate" \(1\/6\)/);
    assert.equal(vmOf(world, id), undefined);
    await tearDown(world, id);
  });

  test("failure mode 7: ISO placement is selectable, unreferenced ISOs are garbage-collected, cidata images cleaned up", async () => {
    const pve = adminPve(world);
    const deps = world.provider?.deps;
    assert.ok(deps);
    try {
      // Something of someone else's that GC must never touch: a plain ISO and a VM without our marks.
      const foreignIso = Buffer.alloc(64 * 1024);
      await pve.waitForTask(
        await pve.upload("golf", "local", {
          content: "iso",
          filename: "ubuntu.iso",
          source: { stream: (await import("node:stream")).Readable.from([foreignIso]), size: foreignIso.length },
        }),
      );
      // An orphan carrying our marks for a request Omni does not know.
      await pve.waitForTask(
        await pve.createVm("hotel", {
          vmid: 590,
          name: "gone-request",
          memory: 512,
          tags: `omni-proxmox;omni-provider.${PROVIDER_ID};omni-request.gone-request`,
          description: `omni-proxmox.provider-id: ${PROVIDER_ID}\nomni-proxmox.request-id: gone-request`,
        }),
      );

      // Another provider's orphan: same software, different provider ID — not ours to remove.
      await pve.waitForTask(
        await pve.createVm("hotel", {
          vmid: 591,
          name: "gone-request",
          memory: 512,
          tags: "omni-proxmox;omni-provider.other-cluster;omni-request.gone-request",
          description: "omni-proxmox.provider-id: other-cluster\nomni-proxmox.request-id: gone-request",
        }),
      );

      const id = "fm7-workers-isos";
      requestMachine(world, id, `${SMALL}\niso_storage_selector: name == "isos"`, "fm7-workers");
      await waitFor("provisioned", () => isProvisioned(world, id), world);
      const vm = vmOf(world, id);
      assert.ok(vm);
      const iso = String(prop(vm.config, "ide2").file);
      assert.match(iso, new RegExp(`^isos:iso/omni-${PROVIDER_ID}-talos-`));

      const skipped = await sweep(deps, () => Promise.reject(new Error("Omni unreachable")), silentLogger(), {
        isoGraceMs: 0,
      });
      assert.equal(skipped.outcome, "skipped");
      assert.ok(
        world.pve.admin.snapshot().vms.some((v) => v.vmid === 590),
        "nothing removed while Omni cannot be read",
      );

      const live = { requestIds: new Set([id]), stateIds: new Set([id]), isoVolumes: new Set<string>() };
      const first = await sweep(deps, async () => live, silentLogger(), { isoGraceMs: 0 });
      assert.deepEqual(first.removedVms, [590], "only the orphan with our marks");
      assert.ok(!first.removedVolumes.includes(iso), "the ISO a live VM boots from stays");

      await tearDown(world, id);
      assert.ok(
        !world.pve.admin.snapshot().volumes.some((v) => v.volid.includes(`cidata-${id}`)),
        "cidata image removed on deprovision",
      );
      const second = await sweep(
        deps,
        async () => ({ requestIds: new Set(), stateIds: new Set(), isoVolumes: new Set() }),
        silentLogger(),
        { isoGraceMs: 0 },
      );
      assert.ok(
        second.removedVolumes.includes(iso),
        `the unreferenced Talos ISO is collected: ${second.removedVolumes.join(",")}`,
      );
      const after = world.pve.admin.snapshot();
      assert.ok(
        after.volumes.some((v) => v.volid === "local:iso/ubuntu.iso"),
        "foreign ISO untouched",
      );
      assert.ok(
        after.vms.some((v) => v.vmid === 100),
        "unrelated VM untouched",
      );
      assert.ok(
        !after.volumes.some((v) => v.volid.includes(`omni-${PROVIDER_ID}-talos-`)),
        "no Talos ISO of ours left",
      );
    } finally {
      await pve.close();
    }
  });

  test("failure mode 7: garbage collection removes orphaned cidata images, never a neighbour provider's ISO or what a request made while Omni was read", async () => {
    const pve = adminPve(world);
    const deps = world.provider?.deps;
    assert.ok(deps);
    const { Readable } = await import("node:stream");
    const upload = async (filename: string) => {
      const bytes = Buffer.alloc(4096);
      await pve.waitForTask(
        await pve.upload("golf", "local", {
          content: "iso",
          filename,
          source: { stream: Readable.from([bytes]), size: bytes.length },
        }),
      );
    };
    const orphan = `local:iso/omni-${PROVIDER_ID}-cidata-orphan-request.iso`;
    const fresh = `local:iso/omni-${PROVIDER_ID}-cidata-fresh-request.iso`;
    // A Talos ISO of provider "<ours>-talos": its name starts with our Talos prefix, but it is not ours.
    const neighbour = `omni-${PROVIDER_ID}-talos-talos-${"ab".repeat(32)}-v1.11.6-nocloud-amd64.iso`;
    try {
      await upload(`omni-${PROVIDER_ID}-cidata-orphan-request.iso`);
      await upload(neighbour);
      const report = await sweep(
        deps,
        async () => {
          // Omni answered before this request existed; it is provisioned while the answer travels back.
          await upload(`omni-${PROVIDER_ID}-cidata-fresh-request.iso`);
          await pve.waitForTask(
            await pve.createVm("hotel", {
              vmid: 592,
              name: "fresh-request",
              memory: 512,
              tags: `omni-proxmox;omni-provider.${PROVIDER_ID};omni-request.fresh-request`,
              description: `omni-proxmox.provider-id: ${PROVIDER_ID}\nomni-proxmox.request-id: fresh-request`,
            }),
          );
          return { requestIds: new Set(), stateIds: new Set(), isoVolumes: new Set() };
        },
        silentLogger(),
        { isoGraceMs: 0 },
      );
      assert.ok(report.removedVolumes.includes(orphan), `orphaned cidata removed: ${report.removedVolumes.join(",")}`);
      assert.ok(!report.removedVolumes.includes(fresh), "the new request's cidata image stays");
      assert.ok(!report.removedVms.includes(592), "the new request's VM stays");
      assert.ok(!report.removedVolumes.includes(`local:iso/${neighbour}`), "another provider's ISO stays");
      const snapshot = world.pve.admin.snapshot();
      assert.ok(snapshot.volumes.some((v) => v.volid === fresh));
      assert.ok(snapshot.vms.some((v) => v.vmid === 592));
    } finally {
      // Either may be gone already (the bug this guards against removes both).
      await ignoreErrors(async () => pve.waitForTask(await pve.deleteVm("hotel", 592, { purge: true })));
      for (const volid of [fresh, `local:iso/${neighbour}`])
        await ignoreErrors(async () => pve.waitForTask(await pve.deleteVolume("golf", "local", volid)));
      await pve.close();
    }
  });
});
