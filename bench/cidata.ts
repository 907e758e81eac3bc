/**
 * NoCloud cidata ISO build (src/provider/cidata): images per second and image size, for a DHCP machine
 * (user-data + meta-data), a static-networking machine (+ network-config), and a large user-data.
 */
import { buildCidataIso, nocloudMetaData, nocloudNetworkConfig } from "../src/provider/cidata/index.ts";
import { rateFigure, timeSync, warmUp } from "./lib/measure.ts";
import type { Benchmark, BenchOutcome, Figure } from "./lib/types.ts";

/** A join config of the size Omni hands out (SideroLink + event sink + log sink documents). */
function joinConfig(padTo: number): string {
  const docs = [
    "apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: grpc://omni.example.com:8090?jointoken=v2:" +
      "Zm9vYmFyYmF6".repeat(20),
    "---\napiVersion: v1alpha1\nkind: EventSinkConfig\nendpoint: '[fdae:41e4:649b:9303::1]:8090'",
    "---\napiVersion: v1alpha1\nkind: KmsgLogConfig\nname: omni-kmsg\nurl: tcp://[fdae:41e4:649b:9303::1]:8092",
  ];
  let text = `${docs.join("\n")}\n`;
  while (text.length < padTo) text += `# ${"x".repeat(76)}\n`;
  return text;
}

const CREATED = new Date("2026-01-01T00:00:00Z");

export const cidataBenchmark: Benchmark = {
  name: "cidata",
  title: "NoCloud cidata ISO build (ISO 9660 + Rock Ridge): DHCP, static network, 64 KiB user-data",
  budgetMs: { full: 4_000, quick: 800 },
  async run(ctx): Promise<BenchOutcome> {
    const slice = ctx.budgetMs / 3;
    const maxOps = ctx.quick ? 2_000 : 20_000;
    const userData = joinConfig(2_048);
    const bigUserData = joinConfig(64 * 1024);
    const networkConfig = nocloudNetworkConfig({
      interfaces: [
        {
          mac: "BC:24:11:2E:4F:01",
          addresses: ["10.0.20.31/24", "2001:db8::31/64"],
          gateways: ["10.0.20.1", "2001:db8::1"],
          mtu: 1500,
        },
      ],
      nameservers: ["10.0.0.53", "1.1.1.1"],
    });
    const meta = (i: number) =>
      nocloudMetaData({
        instanceId: `5b0f6a3e-0c0e-4a57-9d38-${String(i % 1_000_000).padStart(12, "0")}`,
        hostname: `talos-prod-01-workers-${i % 1000}`,
      });

    const sizes = {
      dhcp: buildCidataIso({ userData, metaData: meta(0), createdAt: CREATED }).byteLength,
      static: buildCidataIso({ userData, metaData: meta(0), networkConfig, createdAt: CREATED }).byteLength,
      big: buildCidataIso({ userData: bigUserData, metaData: meta(0), createdAt: CREATED }).byteLength,
    };
    warmUp(
      [
        (i) => buildCidataIso({ userData, metaData: meta(i), createdAt: CREATED }),
        (i) => buildCidataIso({ userData, metaData: meta(i), networkConfig, createdAt: CREATED }),
        (i) => buildCidataIso({ userData: bigUserData, metaData: meta(i), createdAt: CREATED }),
      ],
      slice * 0.3,
      maxOps / 10,
    );
    const dhcp = timeSync((i) => buildCidataIso({ userData, metaData: meta(i), createdAt: CREATED }), {
      maxOps,
      budgetMs: slice,
      batch: 10,
    });
    const withNetwork = timeSync(
      (i) => buildCidataIso({ userData, metaData: meta(i), networkConfig, createdAt: CREATED }),
      { maxOps, budgetMs: slice, batch: 10 },
    );
    const big = timeSync((i) => buildCidataIso({ userData: bigUserData, metaData: meta(i), createdAt: CREATED }), {
      maxOps,
      budgetMs: slice,
      batch: 5,
    });
    const bytes = (name: string, value: number, note: string): Figure => ({ name, value, unit: "bytes", note });
    return {
      status: "ok",
      figures: [
        rateFigure("build.dhcp", dhcp, "user-data 2 KiB + meta-data (ISOs/s)"),
        rateFigure("build.static", withNetwork, "+ network-config v1 (ISOs/s)"),
        rateFigure("build.64k", big, "user-data 64 KiB (ISOs/s)"),
        bytes("size.dhcp", sizes.dhcp, "image size incl. 150-sector padding"),
        bytes("size.static", sizes.static, "image size"),
        bytes("size.64k", sizes.big, "image size"),
      ],
    };
  },
};
