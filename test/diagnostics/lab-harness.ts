/**
 * The lab in-process for plan/doctor tests: the Proxmox simulator (and optionally the Omni simulator with
 * a registered provider and minted key), plus the credentials.json `omni-proxmox lab` would write.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabCredentials } from "../../src/lab/credentials.ts";
import { type OmniSimulator, startOmniSimulator } from "../../src/lab/omni/index.ts";
import { defaultMatrixWorld, type PveSimulator, type PveWorld, startPveSimulator } from "../../src/lab/pve/index.ts";

export const PROVIDER_ID = "matrix-cluster";

export interface TestLab {
  dir: string;
  credentials: LabCredentials;
  pve: PveSimulator;
  omni?: OmniSimulator;
  /** Rewrites credentials.json (after changing `credentials`). */
  save(): void;
  close(): Promise<void>;
}

export interface TestLabOptions {
  world?: PveWorld;
  /** Which simulator token the provider uses (default the least-privilege provider token). */
  token?: "provider" | "noAllocate" | "admin";
  /** Start the Omni simulator too (default true). */
  omni?: boolean;
  /** Register the provider in Omni (default true). */
  register?: boolean;
  expiredKey?: boolean;
  /** Key minted for this provider ID (default PROVIDER_ID). */
  keyFor?: string;
  siderolinkApiUrl?: string;
}

export async function startTestLab(options: TestLabOptions = {}): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), "omni-proxmox-diag-"));
  const pve = await startPveSimulator({ world: options.world ?? defaultMatrixWorld(), timeFactor: 0 });
  let omni: OmniSimulator | undefined;
  let key = "not-used";
  let endpoint = "http://127.0.0.1:9";
  if (options.omni !== false) {
    omni = await startOmniSimulator({
      tls: true,
      ...(options.siderolinkApiUrl ? { siderolinkApiUrl: options.siderolinkApiUrl } : {}),
    });
    if (options.register !== false) omni.registerProvider(PROVIDER_ID);
    key = await omni.mintProviderKey(options.keyFor ?? PROVIDER_ID, options.expiredKey ? { expired: true } : {});
    endpoint = omni.url;
  }
  const token = pve.tokens[options.token ?? "provider"];
  const credentials: LabCredentials = {
    proxmox: {
      url: pve.url,
      tokenID: token.tokenId,
      tokenSecret: token.secret,
      caFile: pve.caFile,
      fingerprint: pve.fingerprint,
    },
    omni: { endpoint, serviceAccountKey: key, ...(omni?.caFile ? { caFile: omni.caFile } : {}) },
    providerId: PROVIDER_ID,
    dataDir: dir,
  };
  const save = () => writeFileSync(join(dir, "credentials.json"), JSON.stringify(credentials, null, 2));
  save();
  return {
    dir,
    credentials,
    pve,
    ...(omni ? { omni } : {}),
    save,
    close: async () => {
      await omni?.close();
      await pve.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
