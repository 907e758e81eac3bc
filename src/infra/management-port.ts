/**
 * The slice of Omni's management API the step context uses (omni-protocol §8.1). `ManagementClient` from
 * `src/omni/management.ts` satisfies it; keeping the runtime on this interface keeps it testable without TLS.
 */
export interface ManagementPort {
  /** Registers a raw schematic (YAML or JSON) and returns its ID. */
  createSchematicFromRaw(rawSchematic: string, talosVersion: string): Promise<string>;
  getBootAssetURL(request: {
    talosVersion: string;
    schematicId: string;
    kind: "iso" | "disk" | "pxe";
    platform: string;
    architecture: string;
    format?: string;
    secureBoot?: boolean;
    standaloneUrl?: boolean;
  }): Promise<{ url: string; headers: Record<string, string>; storageKey: string }>;
}
