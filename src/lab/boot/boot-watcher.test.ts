import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeJoinToken, LABEL, NS, type OmniSimulator, startOmniSimulator, TYPE } from "../omni/index.ts";
import type { PveSnapshot } from "../pve/admin.ts";
import { type BootOutcome, BootWatcher } from "./boot-watcher.ts";
import { readJoinConfig } from "./join-config.ts";
import { buildTinyIso } from "./testing/tiny-iso.ts";
import { cdromDrives, smbiosUuid } from "./vm-media.ts";

const PROVIDER = "matrix-cluster";
const UUID = "8d1f2c44-93b7-4b0e-9a8e-0a3f2b6c1d11";

function joinConfigText(token: string): string {
  return [
    `apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://127.0.0.1:8099?jointoken=${encodeURIComponent(token)}\n`,
    "apiVersion: v1alpha1\nkind: EventSinkConfig\nendpoint: '[fdae:41e4:649b:9303::1]:8091'\n",
  ].join("---\n");
}

describe("vm-media", () => {
  it("lists CD-ROM drives in firmware order and reads the SMBIOS UUID", () => {
    const config = {
      scsi0: "vm_ssd:vm-100-disk-0,size=50G",
      sata1: "local:iso/b.iso,media=cdrom",
      ide2: "local:iso/talos.iso,media=cdrom",
      ide0: "none,media=cdrom",
      smbios1: `uuid=${UUID.toUpperCase()},manufacturer=bGFi,base64=1`,
    };
    assert.deepEqual(cdromDrives(config), [
      { slot: "ide0" },
      { slot: "ide2", volid: "local:iso/talos.iso" },
      { slot: "sata1", volid: "local:iso/b.iso" },
    ]);
    assert.equal(smbiosUuid(config), UUID);
    assert.equal(smbiosUuid({ smbios1: "manufacturer=x" }), undefined);
  });
});

describe("readJoinConfig", () => {
  it("takes the token from the SideroLinkConfig apiUrl", () => {
    const got = readJoinConfig(joinConfigText("v2:abc=="));
    assert.deepEqual(got, {
      ok: true,
      apiUrl: "grpc://127.0.0.1:8099?jointoken=v2%3Aabc%3D%3D",
      joinToken: "v2:abc==",
      grpcTunnel: false,
    });
  });

  it("explains what is missing without echoing secrets", () => {
    const noToken = readJoinConfig("apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://omni:8099\n");
    assert.equal(noToken.ok ? "" : noToken.problem, "no_join_token");
    const noDoc = readJoinConfig("apiVersion: v1alpha1\nkind: EventSinkConfig\nendpoint: x\n");
    assert.equal(noDoc.ok ? "" : noDoc.problem, "no_siderolink_config");
    assert.match(noDoc.ok ? "" : noDoc.detail, /found: EventSinkConfig/);
    const broken = readJoinConfig("kind: [\n");
    assert.equal(broken.ok ? "" : broken.problem, "user_data_invalid");
  });
});

describe("BootWatcher", () => {
  let omni: OmniSimulator;
  let dir: string;
  let validToken: string;
  before(async () => {
    omni = await startOmniSimulator({});
    const plain = omni.registerProvider(PROVIDER);
    validToken = encodeJoinToken(plain, { [LABEL.infraProviderId]: PROVIDER }, "v2");
    dir = mkdtempSync(join(tmpdir(), "lab-boot-"));
  });
  after(async () => {
    await omni.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A one-VM snapshot whose cidata ISO carries `userData`. */
  function world(vmid: number, userData: string | undefined, extra: Record<string, string> = {}) {
    const talos = join(dir, `talos-${vmid}.iso`);
    writeFileSync(talos, buildTinyIso({ volumeId: "TALOS_V1_11_6", files: { vmlinuz: "k" } }));
    const volumes: PveSnapshot["volumes"] = [
      { volid: "local:iso/talos.iso", storage: "local", node: "foxtrot", content: "iso", size: 1, filePath: talos },
    ];
    const config: Record<string, string | number> = {
      name: `req-${vmid}`,
      ide2: "local:iso/talos.iso,media=cdrom",
      smbios1: `uuid=${UUID.slice(0, -3)}${String(vmid).padStart(3, "0")}`,
      ...extra,
    };
    if (userData !== undefined) {
      const cidata = join(dir, `cidata-${vmid}.iso`);
      writeFileSync(cidata, buildTinyIso({ volumeId: "cidata", files: { "user-data": userData, "meta-data": "" } }));
      volumes.push({
        volid: `local:iso/cidata-${vmid}.iso`,
        storage: "local",
        node: "foxtrot",
        content: "iso",
        size: 1,
        filePath: cidata,
      });
      config.ide3 = `local:iso/cidata-${vmid}.iso,media=cdrom`;
    }
    const vm = { vmid, node: "foxtrot", status: "stopped", config };
    return { vm, snapshot: { vms: [vm], volumes } };
  }

  it("registers a started VM whose cidata carries a valid token, once per boot", () => {
    const { vm, snapshot } = world(101, joinConfigText(validToken));
    const seen: BootOutcome[] = [];
    const watcher = new BootWatcher({
      pve: { snapshot: () => snapshot },
      omni: omni.admin,
      onBoot: (o) => seen.push(o),
    });
    assert.deepEqual(watcher.scan(), [], "stopped VMs do not boot");
    vm.status = "running";
    const [outcome] = watcher.scan();
    const uuid = smbiosUuid(vm.config);
    assert.deepEqual(outcome, {
      vmid: 101,
      node: "foxtrot",
      name: "req-101",
      uuid,
      bootIso: "local:iso/talos.iso",
      cidataIso: "local:iso/cidata-101.iso",
      registered: true,
    });
    const registration = omni.admin.get(NS.infra, TYPE.machineRegistration, uuid ?? "");
    assert.equal(registration?.metadata.labels[LABEL.infraProviderId], PROVIDER);
    assert.deepEqual(watcher.scan(), [], "still running: no second boot");
    vm.status = "stopped";
    watcher.scan();
    vm.status = "running";
    assert.equal(watcher.scan().length, 1, "a restart boots again");
    assert.equal(seen.length, 2);
  });

  it("records why a VM did not register", () => {
    const forged = encodeJoinToken("not-the-provider-token", { [LABEL.infraProviderId]: PROVIDER }, "v2");
    const cases: [number, string | undefined, Record<string, string>, string][] = [
      [102, joinConfigText(forged), {}, "token_rejected"],
      [103, undefined, {}, "no_cidata"],
      [104, "apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://127.0.0.1:8099\n", {}, "no_join_token"],
      [105, joinConfigText(validToken), { ide2: "local:iso/missing.iso,media=cdrom" }, "no_boot_iso"],
      [106, joinConfigText(validToken), { smbios1: "manufacturer=x" }, "no_smbios_uuid"],
    ];
    for (const [vmid, userData, extra, problem] of cases) {
      const { vm, snapshot } = world(vmid, userData, extra);
      vm.status = "running";
      const watcher = new BootWatcher({
        pve: { snapshot: () => snapshot },
        omni: omni.admin,
        bootRunningAtStart: true,
      });
      const [outcome] = watcher.scan();
      assert.equal(outcome?.registered, false, String(vmid));
      assert.equal(outcome && !outcome.registered ? outcome.problem : "", problem, String(vmid));
      const detail = outcome && !outcome.registered ? outcome.detail : "";
      assert.ok(!detail.includes(forged) && !detail.includes(validToken), "no token in the reason");
      assert.deepEqual(watcher.outcomes(), [outcome]);
    }
  });

  it("reports a cidata ISO without Rock Ridge names as missing user-data", () => {
    const { vm, snapshot } = world(107, "x");
    const cidata = snapshot.volumes[1]?.filePath ?? "";
    writeFileSync(cidata, buildTinyIso({ volumeId: "cidata", files: { "user-data": "x" }, rockRidge: false }));
    vm.status = "running";
    const watcher = new BootWatcher({ pve: { snapshot: () => snapshot }, omni: omni.admin });
    assert.deepEqual(watcher.scan(), [], "running before the first scan: not booting now");
    vm.status = "stopped";
    watcher.scan();
    vm.status = "running";
    const [outcome] = watcher.scan();
    assert.equal(outcome && !outcome.registered ? outcome.problem : "", "no_user_data");
  });
});
