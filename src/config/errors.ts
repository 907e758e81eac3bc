/** A configuration problem: names the setting, where it came from, and what to write instead. */
export class ConfigError extends Error {
  readonly code = "invalid_config";
  readonly setting: string;

  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}
