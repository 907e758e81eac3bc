/**
 * Omni's cluster templates (Cluster / ControlPlane / Workers documents) and MachineClass files, parsed with
 * line positions so every finding points at the offending key. Shared by `validate`, `plan`, `doctor` and
 * the lab's Omni side.
 */
export * from "./diagnostics.ts";
export * from "./templates.ts";
