export { type PlanInput, planPlacement } from "./engine.ts";
export { type PlanFiles, PlanInputError, planFilesFrom, setsFromFiles, setsFromTemplate } from "./inputs.ts";
export { renderPlan } from "./render.ts";
export { runPlan } from "./run.ts";
export { selectorMatches } from "./selectors.ts";
export { readClusterSnapshot } from "./snapshot.ts";
export * from "./types.ts";
