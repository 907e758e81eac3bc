/**
 * What Talos does with NoCloud user-data on first boot, reduced to what decides registration: find the
 * `SideroLinkConfig` document and take the join token from its `apiUrl` query.
 */
import { parseAllDocuments } from "yaml";

export type JoinConfigProblem = "user_data_invalid" | "no_siderolink_config" | "no_join_token";

export type JoinConfigReading =
  | { ok: true; apiUrl: string; joinToken: string; grpcTunnel: boolean }
  | { ok: false; problem: JoinConfigProblem; detail: string };

/**
 * Reads the SideroLink API URL and join token from user-data (Talos machine-config documents).
 * Details never include the token.
 *
 * @example
 * readJoinConfig("apiVersion: v1alpha1\nkind: SideroLinkConfig\napiUrl: https://omni:8090?jointoken=abc\n");
 * // { ok: true, apiUrl: "https://omni:8090?jointoken=abc", joinToken: "abc", grpcTunnel: false }
 */
export function readJoinConfig(userData: string): JoinConfigReading {
  const documents = parseAllDocuments(userData);
  if (!Array.isArray(documents)) {
    return { ok: false, problem: "user_data_invalid", detail: "user-data is not YAML" };
  }
  const broken = documents.find((d) => d.errors.length > 0);
  if (broken) {
    const line = (broken.errors[0]?.message ?? "").split("\n")[0];
    return { ok: false, problem: "user_data_invalid", detail: `user-data is not valid YAML: ${line}` };
  }
  const kinds: string[] = [];
  for (const doc of documents) {
    const value = doc.toJS() as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    if (typeof record.kind === "string") kinds.push(record.kind);
    if (record.kind !== "SideroLinkConfig") continue;
    if (typeof record.apiUrl !== "string" || record.apiUrl === "") {
      return { ok: false, problem: "no_join_token", detail: "the SideroLinkConfig document has no apiUrl" };
    }
    let url: URL;
    try {
      url = new URL(record.apiUrl);
    } catch {
      return { ok: false, problem: "no_join_token", detail: "SideroLinkConfig.apiUrl is not a URL" };
    }
    const joinToken = url.searchParams.get("jointoken");
    if (!joinToken) {
      return {
        ok: false,
        problem: "no_join_token",
        detail: `SideroLinkConfig.apiUrl (${url.protocol}//${url.host}) carries no jointoken query parameter`,
      };
    }
    return { ok: true, apiUrl: record.apiUrl, joinToken, grpcTunnel: url.searchParams.get("grpc_tunnel") === "true" };
  }
  return {
    ok: false,
    problem: "no_siderolink_config",
    detail: `user-data has no SideroLinkConfig document (found: ${kinds.join(", ") || "no Talos documents"})`,
  };
}
