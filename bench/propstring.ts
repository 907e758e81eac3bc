/**
 * Property-string codec (src/proxmox/propstring.ts): decode and encode of the strings a provider reads
 * and writes on every VM config, and a whole VM config decoded key by key (what a reconcile does).
 */
import {
  decodePropertyString,
  decodeSmbios1,
  encodePropertyString,
  encodeSmbios1,
  formatForConfigKey,
  type PropertyInput,
  type PropertyStringFormat,
} from "../src/proxmox/propstring.ts";
import { rateFigure, timeSync, warmUp } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome } from "./lib/types.ts";

/** Strings as Proxmox writes them back into a Talos VM's config. */
const DECODE_CORPUS: readonly (readonly [PropertyStringFormat, string])[] = [
  ["scsi", "vm_ssd:vm-5012-disk-0,discard=on,iothread=1,size=100G,ssd=1"],
  ["scsi", "local-lvm:vm-5013-disk-1,aio=io_uring,cache=writeback,size=50G"],
  ["net", "virtio=BC:24:11:2E:4F:01,bridge=vmbr0,firewall=1,tag=20"],
  ["ide", "local:iso/omni-cidata-5012.iso,media=cdrom,size=364K"],
  ["cpu", "x86-64-v2-AES,flags=+aes"],
  ["agent", "1,fstrim_cloned_disks=1"],
  ["hostpci", "mapping=gpu0,pcie=1,rombar=1"],
  ["boot", "order=scsi0;ide2;net0"],
  ["memory", "current=16384"],
];

const ENCODE_CORPUS: readonly (readonly [PropertyStringFormat, PropertyInput])[] = [
  ["scsi", { file: "vm_ssd:100", ssd: true, discard: "on", iothread: true }],
  ["net", { model: "virtio", bridge: "vmbr0", firewall: true, tag: 20 }],
  ["ide", { file: "local:iso/omni-cidata-5012.iso", media: "cdrom" }],
  ["cpu", { cputype: "x86-64-v2-AES" }],
  ["agent", { enabled: true }],
  ["memory", { current: 16384 }],
];

/** A whole Talos VM config as GET …/config returns it. */
const VM_CONFIG: Readonly<Record<string, string>> = {
  name: "talos-prod-01-workers-a1b2c3",
  cores: "4",
  sockets: "1",
  memory: "16384",
  cpu: "x86-64-v2-AES",
  scsihw: "virtio-scsi-single",
  scsi0: "vm_ssd:vm-5012-disk-0,discard=on,iothread=1,size=100G,ssd=1",
  scsi1: "vm_ssd:vm-5012-disk-1,iothread=1,size=200G",
  ide2: "local:iso/talos-1.11.6-376567988ad3.iso,media=cdrom,size=112M",
  ide3: "local:iso/omni-cidata-5012.iso,media=cdrom,size=364K",
  net0: "virtio=BC:24:11:2E:4F:01,bridge=vmbr0,firewall=1,tag=20",
  agent: "1",
  boot: "order=scsi0;ide2;net0",
  smbios1: "uuid=5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77",
  tags: "omni-proxmox;omni-provider.matrix-cluster",
};

const SMBIOS = { uuid: "5b0f6a3e-0c0e-4a57-9d38-5a0f4c1e2b77", serial: "talos-prod-01-workers-a1b2c3" };

export const propstringBenchmark: Benchmark = {
  name: "propstring",
  title: "property-string codec: decode/encode of drive, net, cpu, … strings and a whole VM config",
  budgetMs: { full: 4_000, quick: 1_000 },
  async run(ctx): Promise<BenchOutcome> {
    const slice = ctx.budgetMs / 5;
    const maxOps = ctx.quick ? 50_000 : 500_000;
    const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

    const smbiosText = encodeSmbios1(SMBIOS);
    warmUp(
      [
        (i) => decodePropertyString(...pick(DECODE_CORPUS, i)),
        (i) => encodePropertyString(...pick(ENCODE_CORPUS, i)),
        (i) => (i % 2 === 0 ? encodeSmbios1(SMBIOS) : decodeSmbios1(smbiosText)),
      ],
      slice * 0.3,
    );
    const decode = timeSync(
      (i) => {
        const [format, text] = pick(DECODE_CORPUS, i);
        return decodePropertyString(format, text);
      },
      { maxOps, budgetMs: slice, batch: 200 },
    );
    const encode = timeSync(
      (i) => {
        const [format, fields] = pick(ENCODE_CORPUS, i);
        return encodePropertyString(format, fields);
      },
      { maxOps, budgetMs: slice, batch: 200 },
    );
    const smbios = timeSync((i) => (i % 2 === 0 ? encodeSmbios1(SMBIOS) : decodeSmbios1(smbiosText)), {
      maxOps,
      budgetMs: slice,
      batch: 200,
    });
    const entries = Object.entries(VM_CONFIG);
    const config = timeSync(
      () => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of entries) {
          const format = formatForConfigKey(key);
          out[key] = format ? decodePropertyString(format, value) : value;
        }
        return out;
      },
      { maxOps: Math.ceil(maxOps / 10), budgetMs: slice, batch: 20 },
    );
    const roundTrip = timeSync(
      (i) => {
        const [format, text] = pick(DECODE_CORPUS, i);
        return encodePropertyString(format, decodePropertyString(format, text));
      },
      { maxOps, budgetMs: slice, batch: 200 },
    );
    return {
      status: "ok",
      figures: [
        rateFigure("decode", decode, `${DECODE_CORPUS.length} formats, rotating`),
        rateFigure("encode", encode, `${ENCODE_CORPUS.length} formats, rotating`),
        rateFigure("roundtrip", roundTrip, "decode then encode"),
        rateFigure("smbios1", smbios, "encode/decode alternating (base64 fields)"),
        rateFigure("vm-config", config, `${entries.length}-key config decoded per op`),
      ],
    };
  },
};
