/**
 * `doctor` against the lab simulators in-process: a healthy lab has no failure, and each injected problem
 * is reported as the right finding with a fix — missing privilege, no storage matching, offline node,
 * missing bridge, expired key, provider ID mismatch, unregistered provider, untrusted certificate,
 * Tailscale-resolving SideroLink host, FAILED and stuck machine requests.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { classifyAddress, type DoctorReport, type Finding, runDoctor } from "../../src/diagnostics/doctor/index.ts";
import { LABEL, NS, TYPE } from "../../src/lab/omni/index.ts";
import { defaultMatrixWorld } from "../../src/lab/pve/index.ts";
import { MachineRequestStatusSpecSchema } from "../../src/omni/gen/omni/specs/infra_pb.js";
import { PROVIDER_ID, startTestLab, type TestLab, type TestLabOptions } from "./lab-harness.ts";

const ROOT = join(import.meta.dirname, "../..");
const CLASSES = join(ROOT, "examples/machine-classes");

function find(report: DoctorReport, id: string): Finding {
  const f = report.findings.find((x) => x.id === id);
  assert.ok(f, `finding ${id} in ${report.findings.map((x) => x.id).join(", ")}`);
  return f;
}

function failures(report: DoctorReport): string[] {
  return report.findings.filter((f) => f.status === "fail").map((f) => f.id);
}

async function withLab(options: TestLabOptions, body: (lab: TestLab) => Promise<void>): Promise<void> {
  const lab = await startTestLab(options);
  try {
    await body(lab);
  } finally {
    await lab.close();
  }
}

function doctor(lab: TestLab, classFiles: string[] = [CLASSES], extra: Partial<Parameters<typeof runDoctor>[0]> = {}) {
  return runDoctor({ flags: { lab: lab.dir }, env: {}, classFiles, ...extra });
}

describe("doctor against the lab", () => {
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab({});
  });
  after(async () => {
    await lab.close();
  });

  it("finds nothing wrong with a healthy lab", async () => {
    const report = await doctor(lab);
    assert.deepEqual(failures(report), [], JSON.stringify(report.findings, null, 2));
    assert.equal(
      report.summary.warn,
      0,
      JSON.stringify(
        report.findings.filter((f) => f.status === "warn"),
        null,
        2,
      ),
    );
    for (const id of [
      "config",
      "omni.key",
      "omni.provider-id",
      "omni.reachable",
      "omni.registered",
      "omni.clock",
      "omni.siderolink",
      "omni.requests",
      "proxmox.tls",
      "proxmox.auth",
      "proxmox.nodes",
      "proxmox.privileges.vms",
      "proxmox.privileges.images",
      "proxmox.storage.matrix-worker.storage_selector",
      "proxmox.iso-storage",
      "proxmox.cidata-storage",
      "proxmox.bridges",
      "proxmox.mappings",
      "proxmox.ha",
    ]) {
      assert.equal(find(report, id).status, "ok", id);
    }
    assert.match(find(report, "proxmox.iso-storage").title, /local on every online node/);
  });

  it("reports an offline node as a warning naming it", async () => {
    lab.pve.admin.setNodeOnline("hotel", false);
    try {
      const report = await doctor(lab);
      const nodes = find(report, "proxmox.nodes");
      assert.equal(nodes.status, "warn");
      assert.match(nodes.title, /hotel/);
      assert.match(nodes.fix, /hotel/);
      assert.deepEqual(failures(report), []);
    } finally {
      lab.pve.admin.setNodeOnline("hotel", true);
    }
  });

  it("reports a selector that matches no storage", async () => {
    const file = join(lab.dir, "fast.yaml");
    writeFileSync(
      file,
      'metadata:\n  namespace: default\n  type: MachineClasses.omni.sidero.dev\n  id: fast\nspec:\n  autoprovision:\n    providerid: matrix-cluster\n    providerdata: |\n      memory: 4096\n      disk_size: 20\n      storage_selector: storageType == "zfspool"\n',
    );
    const report = await doctor(lab, [file]);
    const f = find(report, "proxmox.storage.fast.storage_selector");
    assert.equal(f.status, "fail");
    assert.match(f.detail, /foxtrot: none \(.*vm_ssd: selector storageType == "zfspool" is false/);
    assert.match(f.fix, /storageType == "rbd"/);
  });

  it("reports FAILED and stuck machine requests with their reasons", async () => {
    const admin = lab.omni?.admin;
    assert.ok(admin);
    const failed = admin.createMachineRequest({ providerId: PROVIDER_ID, requestSetId: "talos-prod-01-workers" });
    const stuck = admin.createMachineRequest({ providerId: PROVIDER_ID, requestSetId: "talos-prod-01-workers" });
    const status = (id: string, stage: number, text: { error?: string; status?: string }) =>
      admin.create(
        {
          namespace: NS.infra,
          type: TYPE.machineRequestStatus,
          id,
          labels: { [LABEL.infraProviderId]: PROVIDER_ID },
          protoSpec: toBinary(
            MachineRequestStatusSpecSchema,
            create(MachineRequestStatusSpecSchema, { id, stage, ...text }),
          ),
        },
        `${PROVIDER_ID}.ProvisionController`,
      );
    status(failed.metadata.id, 3, { error: 'no storage on node golf for images matched "name == \\"nope\\""' });
    status(stuck.metadata.id, 1, { status: 'Running Step: "image" (3/6)' });
    try {
      const report = await doctor(lab, [CLASSES], { stuckAfterMs: -1 });
      const f = find(report, "omni.requests");
      assert.equal(f.status, "fail");
      assert.match(f.title, /1 machine request\(s\) FAILED/);
      assert.ok(f.detail.includes(`${failed.metadata.id}: no storage on node golf`), f.detail);
      const calm = await doctor(lab, [CLASSES]);
      assert.equal(find(calm, "omni.requests").status, "fail");
      admin.destroy(NS.infra, TYPE.machineRequestStatus, failed.metadata.id, `${PROVIDER_ID}.ProvisionController`);
      const onlyStuck = await doctor(lab, [CLASSES], { stuckAfterMs: -1 });
      const s = find(onlyStuck, "omni.requests");
      assert.equal(s.status, "warn");
      assert.ok(s.detail.includes(`${stuck.metadata.id}: PROVISIONING for`), s.detail);
      assert.match(s.detail, /no provider picked it up/);
    } finally {
      for (const r of [failed, stuck]) {
        if (admin.get(NS.infra, TYPE.machineRequestStatus, r.metadata.id)) {
          admin.destroy(NS.infra, TYPE.machineRequestStatus, r.metadata.id, `${PROVIDER_ID}.ProvisionController`);
        }
        admin.destroy(NS.infra, TYPE.machineRequest, r.metadata.id);
      }
    }
  });

  it("flags a SideroLink host that resolves to a Tailscale address (split-horizon DNS)", async () => {
    await withLab({ siderolinkApiUrl: "https://omni.spaceships.work:8090" }, async (tail) => {
      const report = await doctor(tail, [CLASSES], { lookup: async () => ["100.101.7.9"] });
      const f = find(report, "omni.siderolink");
      assert.equal(f.status, "warn");
      assert.match(f.detail, /100\.101\.7\.9 \(cgnat\)/);
      assert.match(f.fix, /split-horizon/);
      const unresolved = await doctor(tail, [CLASSES], {
        lookup: async () => {
          throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
        },
      });
      assert.equal(find(unresolved, "omni.siderolink").status, "fail");
      const lan = await doctor(tail, [CLASSES], { lookup: async () => ["192.168.10.20"] });
      assert.equal(find(lan, "omni.siderolink").status, "ok");
    });
  });

  it("reports a certificate the configuration does not trust, with the fingerprint to pin", async () => {
    const saved = { ...lab.credentials.proxmox };
    delete lab.credentials.proxmox.caFile;
    delete lab.credentials.proxmox.fingerprint;
    lab.save();
    try {
      const report = await doctor(lab);
      const f = find(report, "proxmox.tls");
      assert.equal(f.status, "fail");
      assert.ok(f.fix.includes(`fingerprint: "${lab.pve.fingerprint}"`), f.fix);
      lab.credentials.proxmox.fingerprint = lab.pve.fingerprint;
      lab.save();
      assert.equal(find(await doctor(lab), "proxmox.tls").status, "ok");
    } finally {
      lab.credentials.proxmox = saved;
      lab.save();
    }
  });
});

describe("doctor with injected problems", () => {
  it("reports the privilege a token lacks, per feature", async () => {
    await withLab({ token: "noAllocate" }, async (lab) => {
      const report = await doctor(lab);
      const f = find(report, "proxmox.privileges.vms");
      assert.equal(f.status, "fail");
      assert.match(f.title, /limited@pve!noalloc lacks VM\.Allocate/);
      assert.match(f.detail, /\/vms: missing VM\.Allocate/);
      assert.match(f.fix, /pveum acl modify \/vms -token 'limited@pve!noalloc'/);
      assert.deepEqual(failures(report), ["proxmox.privileges.vms"]);
    });
  });

  it("reports a node without the bridge", async () => {
    const world = defaultMatrixWorld();
    world.bridges = world.bridges.filter((b) => b.node !== "hotel");
    await withLab({ world }, async (lab) => {
      const report = await doctor(lab);
      const f = find(report, "proxmox.bridges");
      assert.equal(f.status, "fail");
      assert.match(f.detail, /hotel has no bridge vmbr0 \(used by /);
      assert.deepEqual(failures(report), ["proxmox.bridges"]);
    });
  });

  it("reports a VLAN tag on a bridge that is not VLAN aware", async () => {
    const world = defaultMatrixWorld();
    world.bridges = world.bridges.map((b) => ({ ...b, vlanAware: b.node !== "golf" }));
    await withLab({ world }, async (lab) => {
      const file = join(lab.dir, "tagged.yaml");
      writeFileSync(
        file,
        'metadata:\n  namespace: default\n  type: MachineClasses.omni.sidero.dev\n  id: tagged\nspec:\n  autoprovision:\n    providerid: matrix-cluster\n    providerdata: |\n      memory: 4096\n      disk_size: 20\n      storage_selector: name == "vm_ssd"\n      vlan: 30\n',
      );
      const f = find(await doctor(lab, [file]), "proxmox.bridges");
      assert.equal(f.status, "fail");
      assert.match(f.detail, /golf: vmbr0 is not VLAN aware, but tagged tag VLAN 30/);
    });
  });

  it("reports an expired key with the renewkey fix", async () => {
    await withLab({ expiredKey: true }, async (lab) => {
      const report = await doctor(lab);
      const f = find(report, "omni.key");
      assert.equal(f.status, "fail");
      assert.match(f.detail, /expired at/);
      assert.match(f.fix, /omnictl infraprovider renewkey/);
    });
  });

  it('reports a provider ID that does not match the key (the seed\'s "Proxmox" trap)', async () => {
    await withLab({ keyFor: "Proxmox" }, async (lab) => {
      const report = await doctor(lab);
      const f = find(report, "omni.provider-id");
      assert.equal(f.status, "fail");
      assert.match(f.detail, /resource ID must match the infra provider ID "Proxmox"/);
      assert.match(f.fix, /--id Proxmox/);
    });
  });

  it("reports an unregistered provider", async () => {
    await withLab({ register: false }, async (lab) => {
      const f = find(await doctor(lab), "omni.registered");
      assert.equal(f.status, "fail");
      assert.match(f.fix, /omnictl infraprovider create matrix-cluster/);
    });
  });

  it("reports a configuration that does not parse", async () => {
    const report = await runDoctor({ flags: { configFile: "/nonexistent/config.yaml" }, env: {}, classFiles: [] });
    assert.deepEqual(
      report.findings.map((f) => [f.id, f.status]),
      [["config", "fail"]],
    );
    assert.match(report.findings[0]?.detail ?? "", /cannot read/);
  });
});

describe("classifyAddress", () => {
  it("tells Tailscale, loopback, private and public addresses apart", () => {
    assert.equal(classifyAddress("100.64.0.1"), "cgnat");
    assert.equal(classifyAddress("100.127.255.254"), "cgnat");
    assert.equal(classifyAddress("100.128.0.1"), "public");
    assert.equal(classifyAddress("fd7a:115c:a1e0::1"), "cgnat");
    assert.equal(classifyAddress("127.0.0.1"), "loopback");
    assert.equal(classifyAddress("169.254.1.1"), "link-local");
    assert.equal(classifyAddress("192.168.10.20"), "private");
    assert.equal(classifyAddress("172.20.0.1"), "private");
    assert.equal(classifyAddress("8.8.8.8"), "public");
  });
});

describe("doctor and a skewed clock", () => {
  it("tells clock skew apart from a bad key", async () => {
    await withLab({}, async (lab) => {
      const skewed = () => new Date(Date.now() + 10 * 60_000);
      const report = await doctor(lab, [CLASSES], { now: skewed });
      assert.equal(find(report, "omni.reachable").status, "fail");
      const clock = find(report, "omni.clock");
      assert.equal(clock.status, "fail");
      assert.match(clock.detail, /this clock is (599|600|601) s ahead of Omni's/);
    });
  });
});
