/**
 * Validates a MachineClass document as `omnictl apply` takes it (metadata + spec.autoprovision) and
 * the providerdata inside it. Omni's own autoprovision fields (providerid, kernelargs, metavalues,
 * grpctunnel) are accepted as Omni defines them; providerdata goes through parseProviderData.
 */
import { parse as parseYaml } from "yaml";
import { issue, type ProviderDataIssue } from "./issues.ts";
import { type ParseResult, parseProviderData } from "./parse.ts";
import { suggestKey } from "./suggest.ts";

const AUTOPROVISION_KEYS = ["providerid", "providerdata", "kernelargs", "metavalues", "grpctunnel"] as const;

export type MachineClassResult =
  | {
      readonly ok: true;
      readonly id: string;
      readonly providerId: string;
      readonly providerData: Extract<ParseResult, { ok: true }>;
    }
  | { readonly ok: false; readonly id?: string; readonly errors: readonly ProviderDataIssue[] };

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Prefixes providerdata issue paths with where providerdata sits in the MachineClass. */
function nested(found: readonly ProviderDataIssue[]): ProviderDataIssue[] {
  return found.map((i) => {
    const path = i.path === "" ? "spec.autoprovision.providerdata" : `spec.autoprovision.providerdata.${i.path}`;
    return issue(i.code, path, i.value, i.problem, i.fix);
  });
}

/**
 * Validates one MachineClass YAML document.
 *
 * @example
 * const r = parseMachineClass(readFileSync("machine-classes/matrix-worker.yaml", "utf8"));
 * if (!r.ok) for (const e of r.errors) console.error(e.message);
 */
export function parseMachineClass(text: string): MachineClassResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const detail = (err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)).replace(/:$/, "");
    return {
      ok: false,
      errors: [issue("syntax", "", undefined, `is not valid YAML: ${detail}`, "fix the YAML syntax")],
    };
  }
  const root = record(doc);
  const metadata = record(root?.metadata);
  const spec = record(root?.spec);
  const id = typeof metadata?.id === "string" ? metadata.id : undefined;
  const errors: ProviderDataIssue[] = [];
  if (!root || !metadata || id === undefined) {
    errors.push(
      issue(
        "missing",
        "metadata.id",
        undefined,
        "is required",
        "write metadata: {namespace: default, type: MachineClasses.omni.sidero.dev, id: <name>}",
      ),
    );
  }
  if (metadata?.type !== undefined && metadata.type !== "MachineClasses.omni.sidero.dev") {
    errors.push(
      issue(
        "invalid_value",
        "metadata.type",
        metadata.type,
        "is not a machine class type",
        "write type: MachineClasses.omni.sidero.dev",
      ),
    );
  }
  const auto = record(spec?.autoprovision);
  if (!auto) {
    const hint =
      spec?.config !== undefined || root?.kind === "MachineClass"
        ? " (the apiVersion/kind/spec.config form is not an Omni resource)"
        : "";
    errors.push(
      issue(
        "missing",
        "spec.autoprovision",
        undefined,
        `is required for an auto-provision machine class${hint}`,
        "write spec.autoprovision.providerid (the provider ID) and spec.autoprovision.providerdata (a YAML text block)",
      ),
    );
    return { ok: false, ...(id !== undefined ? { id } : {}), errors };
  }
  for (const key of Object.keys(auto)) {
    if ((AUTOPROVISION_KEYS as readonly string[]).includes(key)) continue;
    const guess = suggestKey(key, AUTOPROVISION_KEYS);
    errors.push(
      issue(
        "unknown_key",
        `spec.autoprovision.${key}`,
        auto[key],
        "is not a known key",
        guess ? `did you mean ${guess}?` : `valid keys: ${AUTOPROVISION_KEYS.join(", ")}`,
      ),
    );
  }
  const providerId = auto.providerid;
  if (typeof providerId !== "string" || providerId === "") {
    errors.push(
      issue(
        "missing",
        "spec.autoprovision.providerid",
        providerId,
        "is required",
        "write the provider ID the provider runs with (--id), e.g. proxmox",
      ),
    );
  }
  const text2 = auto.providerdata;
  if (typeof text2 !== "string") {
    errors.push(
      issue(
        "invalid_type",
        "spec.autoprovision.providerdata",
        text2,
        "must be a YAML text block",
        "write providerdata: | followed by indented key: value lines",
      ),
    );
    return { ok: false, ...(id !== undefined ? { id } : {}), errors };
  }
  const providerData = parseProviderData(text2);
  if (!providerData.ok) errors.push(...nested(providerData.errors));
  if (errors.length > 0 || !providerData.ok || id === undefined || typeof providerId !== "string") {
    return { ok: false, ...(id !== undefined ? { id } : {}), errors };
  }
  return { ok: true, id, providerId, providerData };
}
