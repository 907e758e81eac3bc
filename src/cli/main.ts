#!/usr/bin/env node
import { reportFatal } from "./commands/run.ts";
import { buildProgram } from "./program.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFatal(error);
}
