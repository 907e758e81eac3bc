/**
 * Test support: the few things a provider does that the Omni-side lab reacts to, done by hand — Proxmox
 * over its HTTPS API (upload ISOs, create/start/stop/delete VMs) and Omni through the simulator's admin
 * (finalizer on the request, MachineRequestStatus). The real provider replaces this in end-to-end tests.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Agent, FormData, fetch } from "undici";
import { buildTinyIso } from "../../src/lab/boot/testing/tiny-iso.ts";
import { NS, type OmniSimulator, TYPE } from "../../src/lab/omni/index.ts";
import type { PveSimulator } from "../../src/lab/pve/index.ts";

export const STAGE = { provisioning: 1, provisioned: 2, failed: 3 } as const;

export class StandInProvider {
  readonly finalizer: string;
  readonly #pve: PveSimulator;
  readonly #omni: OmniSimulator;
  readonly #dispatcher: Agent;
  readonly #workDir: string;
  #talosUploaded = new Set<string>();

  constructor(options: { pve: PveSimulator; omni: OmniSimulator; providerId: string; workDir: string }) {
    this.#pve = options.pve;
    this.#omni = options.omni;
    this.#workDir = options.workDir;
    this.finalizer = `${options.providerId}.ProvisionController`;
    this.#dispatcher = new Agent({ connect: { ca: readFileSync(options.pve.caFile) } });
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  /** One Proxmox API call with the admin token; waits for the task when the reply is a UPID. */
  async api(method: string, path: string, body?: Record<string, unknown> | FormData): Promise<unknown> {
    const json = body !== undefined && !(body instanceof FormData);
    const res = await fetch(`${this.#pve.url}${path}`, {
      method,
      dispatcher: this.#dispatcher,
      headers: {
        Authorization: `PVEAPIToken=${this.#pve.tokens.admin.full}`,
        ...(json ? { "Content-Type": "application/json" } : {}),
      },
      body: json ? JSON.stringify(body) : (body as FormData | undefined),
    });
    const reply = (await res.json()) as { data: unknown };
    assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(reply)}`);
    if (typeof reply.data === "string" && reply.data.startsWith("UPID:")) {
      const task = await this.#pve.admin.waitForTask(reply.data);
      assert.equal(task?.exitstatus, "OK", `${method} ${path}: task ${task?.exitstatus}`);
    }
    return reply.data;
  }

  async uploadIso(node: string, fileName: string, bytes: Buffer): Promise<void> {
    const form = new FormData();
    form.append("content", "iso");
    form.append("filename", new Blob([bytes]), fileName);
    await this.api("POST", `/nodes/${node}/storage/local/upload`, form);
  }

  /**
   * Provisions one request: finalizer, status, Talos + cidata ISOs, VM with the SMBIOS UUID, start,
   * PROVISIONED. `userData` goes into the cidata image.
   */
  async provision(request: string, vm: { vmid: number; node: string; uuid: string; userData: string }): Promise<void> {
    this.setFinalizers(request, [this.finalizer]);
    this.reportStatus(request, STAGE.provisioning, 'Running Step: "create" (4/6)', vm.uuid);
    if (!this.#talosUploaded.has(vm.node)) {
      await this.uploadIso(
        vm.node,
        "talos-v1.11.6.iso",
        buildTinyIso({ volumeId: "TALOS_1_11_6", files: { boot: "k" } }),
      );
      this.#talosUploaded.add(vm.node);
    }
    await this.uploadIso(vm.node, `cidata-${request}.iso`, this.cidataIso(request, vm.userData));
    await this.api("POST", `/nodes/${vm.node}/qemu`, {
      vmid: vm.vmid,
      name: request,
      memory: 2048,
      scsi0: "vm_ssd:8",
      ide2: "local:iso/talos-v1.11.6.iso,media=cdrom",
      ide3: `local:iso/cidata-${request}.iso,media=cdrom`,
      smbios1: `uuid=${vm.uuid}`,
    });
    await this.api("POST", `/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, {});
    this.reportStatus(request, STAGE.provisioned, "Provision Complete", vm.uuid);
  }

  /** Deprovisions one request: stop + delete the VM and its cidata volume, drop status and finalizer. */
  async deprovision(request: string, vm: { vmid: number; node: string }): Promise<void> {
    await this.api("POST", `/nodes/${vm.node}/qemu/${vm.vmid}/status/stop`, {});
    await this.api("DELETE", `/nodes/${vm.node}/qemu/${vm.vmid}?purge=1&destroy-unreferenced-disks=1`);
    await this.api(
      "DELETE",
      `/nodes/${vm.node}/storage/local/content/${encodeURIComponent(`local:iso/cidata-${request}.iso`)}`,
    );
    const admin = this.#omni.admin;
    if (admin.get(NS.infra, TYPE.machineRequestStatus, request)) {
      admin.teardown(NS.infra, TYPE.machineRequestStatus, request);
      admin.destroy(NS.infra, TYPE.machineRequestStatus, request);
    }
    this.setFinalizers(request, []);
  }

  /** A cidata image as a provider builds it: xorriso when installed, else the handmade builder. */
  cidataIso(name: string, userData: string): Buffer {
    const files = { "user-data": userData, "meta-data": `instance-id: ${name}\nlocal-hostname: ${name}\n` };
    try {
      execFileSync("xorriso", ["-version"], { stdio: "ignore" });
    } catch {
      return buildTinyIso({ volumeId: "cidata", files });
    }
    const source = join(this.#workDir, `src-${name}`);
    mkdirSync(source, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(source, file), content);
    const out = join(this.#workDir, `${name}.iso`);
    execFileSync("xorriso", ["-as", "mkisofs", "-R", "-V", "cidata", "-o", out, source], { stdio: "ignore" });
    return readFileSync(out);
  }

  /** The provider's MachineRequestStatus write (owner = its provision controller). */
  reportStatus(request: string, stage: number, text: string, uuid: string): void {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).string(uuid);
    w.tag(2, WireType.Varint).int32(stage);
    w.tag(4, WireType.LengthDelimited).string(text);
    const admin = this.#omni.admin;
    const existing = admin.get(NS.infra, TYPE.machineRequestStatus, request);
    if (existing) {
      existing.spec.protoSpec = w.finish();
      admin.update(existing);
      return;
    }
    const labels = admin.get(NS.infra, TYPE.machineRequest, request)?.metadata.labels ?? {};
    admin.create(
      { namespace: NS.infra, type: TYPE.machineRequestStatus, id: request, labels, protoSpec: w.finish() },
      this.finalizer,
    );
  }

  setFinalizers(request: string, finalizers: string[]): void {
    const mr = this.#omni.admin.get(NS.infra, TYPE.machineRequest, request);
    assert.ok(mr, `request ${request} exists`);
    mr.metadata.finalizers = finalizers;
    this.#omni.admin.update(mr);
  }
}

/** The join config documents a provider puts in user-data, with `token` in the SideroLink API URL. */
export function joinUserData(token: string): string {
  return [
    `apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://127.0.0.1:8099?jointoken=${encodeURIComponent(token)}\n`,
    "apiVersion: v1alpha1\nkind: EventSinkConfig\nendpoint: '[fdae:41e4:649b:9303::1]:8091'\n",
  ].join("---\n");
}
