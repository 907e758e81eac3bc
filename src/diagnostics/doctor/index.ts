export { classifyAddress } from "./checks/siderolink.ts";
export { classesFromFiles } from "./classes.ts";
export { type ClassUnderCheck, DoctorContext, type DoctorOptions } from "./context.ts";
export { DEFAULT_ROLE, genericRequirements, roleCommands } from "./print-role.ts";
export { renderDoctor } from "./render.ts";
export { type RunDoctorOptions, runDoctor } from "./run.ts";
export * from "./types.ts";
