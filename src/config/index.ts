export * from "./config.ts";
export { ConfigError } from "./errors.ts";
export { type ConfigFile, configFileSchema } from "./schema.ts";
