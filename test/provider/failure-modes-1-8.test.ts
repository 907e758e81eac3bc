/**
 * Regression tests for failure modes 1 and 8 of issue 5 (the rest live in failure-modes.test.ts and
 * lifecycle.test.ts), one test per mode, named after it. Everything runs against the simulators over the
 * wire; the expected schematic ID is computed independently with the image factory's canonical form.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fakeIsoBytes } from "../../src/lab/factory/index.ts";
import { type Schematic, schematicId } from "../../src/lab/factory/schematic.ts";
import {
  isProvisioned,
  ourVms,
  PROVIDER_ID,
  prop,
  requestIds,
  requestMachine,
  startWorld,
  statuses,
  tearDown,
  vmOf,
  type World,
  waitFor,
} from "./harness.ts";

const GiB = 1024 ** 3;
const NODE_MEMORY = 64 * GiB;
const TALOS_VERSION = "1.11.6";

function providerData(memoryMb: number, extra: string[] = []): string {
  return ["cores: 1", `memory: ${memoryMb}`, "disk_size: 5", 'storage_selector: name == "vm_ssd"', ...extra].join("\n");
}
const SMALL = providerData(2048);

/** Configured memory (bytes) of every VM per node, as the Proxmox simulator holds it. */
function committedMemory(world: World): Map<string, number> {
  const out = new Map<string, number>();
  for (const vm of world.pve.admin.snapshot().vms) {
    out.set(vm.node, (out.get(vm.node) ?? 0) + Number(vm.config.memory ?? 0) * 1024 ** 2);
  }
  return out;
}

function assertNoOvercommit(world: World): void {
  for (const [node, bytes] of committedMemory(world))
    assert.ok(bytes <= NODE_MEMORY, `${node}: ${bytes / GiB} GiB committed > ${NODE_MEMORY / GiB} GiB × overcommit 1`);
}

/** Waits until every request is provisioned, or fails at once when one of them failed (a broken decision). */
async function provisionedOrFailed(world: World, ids: readonly string[], what: string): Promise<void> {
  const failed = await waitFor(
    what,
    () => ids.find((id) => statuses(world)[id]?.stage === "FAILED") ?? ids.every((id) => isProvisioned(world, id)),
    world,
  );
  if (failed !== true) assert.fail(`${failed} failed: ${statuses(world)[failed]?.error}`);
}

async function tearDownAll(world: World, ids: readonly string[]): Promise<void> {
  for (const id of ids) await tearDown(world, id);
}

describe("issue 5 failure modes 1 and 8", () => {
  let world: World;
  before(async () => {
    world = await startWorld({ overcommit: { memory: 1, cpu: 4, storage: 1 } });
  });
  after(async () => {
    await world?.close();
  });

  test("failure mode 1: the members of one machine request set land on distinct nodes, control planes and workers alike (#51)", async () => {
    // All six arrive at once, as Omni creates them for a fresh cluster: the placements race each other.
    const controlPlanes = [0, 1, 2].map((i) =>
      requestMachine(world, `fm1-control-planes-${i}`, SMALL, "fm1-control-planes"),
    );
    const workers = [0, 1, 2].map((i) => requestMachine(world, `fm1-workers-${i}`, SMALL, "fm1-workers"));
    const all = [...controlPlanes, ...workers];
    await provisionedOrFailed(world, all, "the set provisioned");
    for (const set of [controlPlanes, workers]) {
      const nodes = set.map((id) => vmOf(world, id)?.node);
      assert.equal(new Set(nodes).size, 3, `one set on three distinct nodes: ${nodes.join(",")}`);
    }
    await tearDownAll(world, all);
  });

  test("failure mode 1: an offline node does not break placement of new requests (#61)", async () => {
    world.pve.admin.setNodeOnline("hotel", false);
    try {
      const ids = [0, 1, 2].map((i) => requestMachine(world, `fm1-offline-workers-${i}`, SMALL, "fm1-offline-workers"));
      await provisionedOrFailed(world, ids, "provisioned beside the offline node");
      const nodes = ids.map((id) => vmOf(world, id)?.node);
      assert.ok(!nodes.includes("hotel"), `nothing on the offline node: ${nodes.join(",")}`);
      assert.deepEqual(new Set(nodes), new Set(["foxtrot", "golf"]), "spread over the online nodes");
      await tearDownAll(world, ids);
    } finally {
      world.pve.admin.setNodeOnline("hotel", true);
    }
  });

  test("failure mode 1: in-flight reservations survive a provider restart, so a new request does not over-commit", async () => {
    // Each held request reserves 40 of a node's 64 GiB. Their ISO downloads fail, so no VM exists yet: the
    // only trace of the three decisions is the reservation the first provider wrote into Omni. Their own
    // kernel argument gives them a schematic whose ISO no earlier test has downloaded.
    world.pve.admin.injectFault({ endpoint: "download-url", method: "POST", taskFailure: "download failed: 502" });
    const big = providerData(40 * 1024, ["kernel_args: [fm1.held=1]"]);
    const held = [0, 1, 2].map((i) => requestMachine(world, `fm1-held-workers-${i}`, big, "fm1-held-workers"));
    await waitFor(
      "every held request placed and stuck downloading",
      () => held.every((id) => /downloading the Talos ISO/.test(statuses(world)[id]?.error ?? "")),
      world,
    );
    assert.equal(
      ourVms(world).filter((vm) => held.includes(String(vm.config.name))).length,
      0,
      "no VM yet: only reservations",
    );

    // A fresh provider process instance: nothing of the first one's memory survives.
    await world.provider?.stop();
    await world.startProvider();
    const late = requestMachine(world, "fm1-late-workers-0", big, "fm1-late-workers");
    try {
      // Settles on either outcome, so a wrong placement fails at once instead of timing out.
      const verdict = await waitFor(
        "the late request refused or placed",
        () => {
          if (isProvisioned(world, late)) return "provisioned";
          const error = statuses(world)[late]?.error ?? "";
          return /committed memory|downloading the Talos ISO/.test(error) && error;
        },
        world,
      );
      assert.match(verdict, /committed memory/, "the late request must wait: every node is reserved");
      assert.match(statuses(world)[late]?.status ?? "", /"place"/, "still waiting in place");

      // Downloads recover: the held requests get their VMs; the late one still does not fit anywhere.
      world.pve.admin.clearFaults();
      await waitFor("the held requests provisioned", () => held.every((id) => isProvisioned(world, id)), world);
      assert.ok(!isProvisioned(world, late), "the late request was not squeezed in");
      assert.equal(vmOf(world, late), undefined);
      assertNoOvercommit(world);

      // Capacity freed: the late request takes the freed node.
      const freed = vmOf(world, held[0] ?? "")?.node;
      await tearDown(world, held[0] ?? "");
      await waitFor("the late request provisioned", () => isProvisioned(world, late), world);
      assert.equal(vmOf(world, late)?.node, freed, "placed where memory was freed");
      assertNoOvercommit(world);
    } finally {
      world.pve.admin.clearFaults();
    }
    await tearDownAll(world, [...held.slice(1), late]);
    assert.deepEqual(requestIds(world), []);
  });

  test("failure mode 8: class extensions and kernel args reach the schematic", async () => {
    /** A request as Omni creates it for a class whose template carries `systemExtensions`. */
    const request = (id: string, templateExtensions: string[], extra: string[]) => {
      world.omni.admin.createMachineRequest({
        providerId: PROVIDER_ID,
        id,
        requestSetId: "fm8-workers",
        providerData: providerData(2048, extra),
        talosVersion: TALOS_VERSION,
        extensions: templateExtensions,
      });
      return id;
    };
    const storageClass = request(
      "fm8-workers-storage",
      ["siderolabs/iscsi-tools"],
      ["extensions: [siderolabs/util-linux-tools]", "kernel_args: [console=ttyS0, net.ifnames=0]"],
    );
    const gpuClass = request(
      "fm8-workers-gpu",
      ["siderolabs/iscsi-tools"],
      ["extensions: [siderolabs/nvidia-open-gpu-kernel-modules-lts]", "kernel_args: [console=ttyS0, net.ifnames=0]"],
    );
    await waitFor(
      "both provisioned",
      () => isProvisioned(world, storageClass) && isProvisioned(world, gpuClass),
      world,
    );

    // The factory computes the ID from its canonical YAML: Omni sorts the extensions, the class's kernel
    // args follow the request's in the class's order.
    const expected = (extensions: string[]): string => {
      const schematic: Schematic = {
        customization: {
          extraKernelArgs: ["console=ttyS0", "net.ifnames=0"],
          systemExtensions: { officialExtensions: [...extensions].sort() },
        },
      };
      return schematicId(schematic);
    };
    const storageId = expected([
      "siderolabs/iscsi-tools",
      "siderolabs/util-linux-tools",
      "siderolabs/qemu-guest-agent",
    ]);
    const gpuId = expected([
      "siderolabs/iscsi-tools",
      "siderolabs/nvidia-open-gpu-kernel-modules-lts",
      "siderolabs/qemu-guest-agent",
    ]);
    assert.notEqual(storageId, gpuId);

    const snapshot = world.pve.admin.snapshot();
    for (const [id, schematic] of [
      [storageClass, storageId],
      [gpuClass, gpuId],
    ] as const) {
      const vm = vmOf(world, id);
      assert.ok(vm, `${id}: VM`);
      const volid = String(prop(vm.config, "ide2").file);
      assert.ok(volid.includes(`-talos-${schematic}-`), `${id} boots the ISO of its own schematic: ${volid}`);
      // The bytes Proxmox downloaded are the factory's image for exactly that schematic and version.
      const file = snapshot.volumes.find((v) => v.volid === volid)?.filePath;
      assert.ok(file, `${volid} stored`);
      assert.deepEqual(
        new Uint8Array(readFileSync(file)),
        fakeIsoBytes(schematic, `v${TALOS_VERSION}`, "nocloud-amd64.iso"),
        `${id}: downloaded from the factory for schematic ${schematic}`,
      );
    }
    await tearDownAll(world, [storageClass, gpuClass]);
  });
});
