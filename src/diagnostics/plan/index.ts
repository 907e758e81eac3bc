export { type PlanInput, planPlacement } from "./engine.ts";
export { type PlanFiles, PlanInputError, setsFromFiles } from "./inputs.ts";
export { renderPlan } from "./render.ts";
export { selectorMatches } from "./selectors.ts";
export { readClusterSnapshot } from "./snapshot.ts";
export * from "./types.ts";
