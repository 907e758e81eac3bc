/**
 * Omni's resource validation that applies to every caller (protocol notes §5.5): a MachineRequest's Talos
 * version must parse as semver on create, and its spec never changes.
 */
import { simError } from "./errors.ts";
import { bytesEqual, type Resource, TYPE } from "./model.ts";
import { parseSemverTolerant } from "./semver.ts";
import { decodeMachineRequestTalosVersion } from "./specs.ts";

export function validateCreate(resource: Resource): void {
  if (resource.metadata.type !== TYPE.machineRequest) return;
  let version: string;
  try {
    version = decodeMachineRequestTalosVersion(resource.spec.protoSpec);
  } catch {
    throw simError("invalid_argument", "failed to validate: machine request spec is not a valid MachineRequestSpec");
  }
  if (!parseSemverTolerant(version)) {
    throw simError(
      "invalid_argument",
      `failed to validate: machine request talos_version ${JSON.stringify(version)} is not a semantic version (e.g. 1.13.8)`,
    );
  }
}

export function validateUpdate(next: Resource, stored: Resource | undefined): void {
  if (next.metadata.type !== TYPE.machineRequest || !stored) return;
  if (!bytesEqual(next.spec.protoSpec, stored.spec.protoSpec)) {
    throw simError("invalid_argument", "failed to validate: machine request spec is immutable");
  }
}
