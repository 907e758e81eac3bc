import { z } from "zod";

/**
 * The provider config file, the same YAML the Go provider reads (`--config-file`), plus optional keys of
 * ours. Unknown keys are rejected so a typo (`tokenId`, `insecureSkipVerfy`) fails loudly instead of
 * silently dropping a setting.
 */
export const proxmoxFileSchema = z
  .object({
    url: z.string().min(1, "the Proxmox API URL is required, e.g. https://192.168.3.5:8006/api2/json").optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    realm: z.string().optional(),
    tokenID: z.string().optional(),
    tokenSecret: z.string().optional(),
    token: z.string().optional(),
    insecureSkipVerify: z.boolean().optional(),
    // ours
    caFile: z.string().optional().describe("PEM bundle of CAs that sign the Proxmox certificate"),
    fingerprint: z
      .string()
      .optional()
      .describe("SHA-256 fingerprint of the Proxmox node certificate, as shown under Node > Certificates"),
    vmidRange: z
      .string()
      .regex(/^\d+-\d+$/, "write the range as MIN-MAX, e.g. 9000-9999")
      .optional()
      .describe("VMIDs the provider may allocate, e.g. 9000-9999"),
    timeoutSeconds: z.number().int().positive().optional(),
  })
  .strict();

export const providerFileSchema = z
  .object({
    overcommit: z
      .object({
        memory: z.number().positive().max(10).optional(),
        cpu: z.number().positive().max(64).optional(),
        storage: z.number().positive().max(10).optional(),
      })
      .strict()
      .optional(),
    gcIntervalSeconds: z.number().int().min(0).optional().describe("garbage-collection sweep interval; 0 turns it off"),
    isoGraceSeconds: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Talos ISOs younger than this are never garbage-collected (a request may be about to use one)"),
    concurrency: z.number().int().min(1).max(256).optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    proxmox: proxmoxFileSchema,
    provider: providerFileSchema.optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
