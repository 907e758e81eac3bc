/**
 * `validate`: providerdata → typed, and the options Proxmox would refuse to our API identity, before
 * anything is created. Every error names the key, the value and the fix, and is shown on the request.
 * Also fixes the machine's identity (SMBIOS UUID) and its machine request set / role once.
 */
import { randomUUID } from "node:crypto";
import { done, fail, type Step } from "../../infra/steps.ts";
import { type MachineState, roleForRequestSet } from "../state/index.ts";
import { explainRootOnlyOptions } from "../vmspec/index.ts";
import { providerDataOf } from "./data.ts";
import type { ProvisionerDeps } from "./deps.ts";
import { isProvisionError, ProvisionError } from "./errors.ts";

export function validateStep(deps: ProvisionerDeps): Step<MachineState> {
  return {
    name: "validate",
    async run(ctx) {
      let data: ReturnType<typeof providerDataOf>;
      try {
        data = providerDataOf(ctx.providerData);
      } catch (err) {
        if (isProvisionError(err)) return fail(err);
        throw err;
      }
      const refused = explainRootOnlyOptions(data, deps.identity);
      if (refused.length > 0) {
        return fail(
          new ProvisionError("root_only_option", refused.map((e) => e.message).join(" | "), { cause: refused[0] }),
        );
      }
      const state = ctx.state;
      if (state.uuid === "") state.uuid = ctx.machineUuid !== "" ? ctx.machineUuid : randomUUID();
      if (state.requestSetId === "") state.requestSetId = ctx.requestSetId;
      if (state.role === "") state.role = roleForRequestSet(ctx.requestSetId) ?? "";
      if (state.talosVersion === "") state.talosVersion = ctx.talosVersion;
      state.pool = data.pool ?? "";
      return done();
    },
  };
}
