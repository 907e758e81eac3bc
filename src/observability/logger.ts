import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { scrubSecrets } from "./secrets.ts";

export type { Logger } from "pino";

export interface LoggerSettings {
  level?: string;
  /** `json` (default): one JSON object per line. `pretty`: short human lines for terminals. */
  format?: "json" | "pretty";
  /** Where lines go (default stderr, so stdout stays free for command output such as `--json`). */
  destination?: DestinationStream;
}

/** Field names whose values are always replaced, wherever they appear in a log object. */
const REDACTED_PATHS = [
  "password",
  "tokenSecret",
  "token",
  "ticket",
  "secret",
  "authorization",
  "serviceAccountKey",
  "joinToken",
  "*.password",
  "*.tokenSecret",
  "*.token",
  "*.ticket",
  "*.secret",
  "*.authorization",
  "*.serviceAccountKey",
  "*.joinToken",
  "headers.authorization",
  "headers.cookie",
];

/**
 * A pino logger that never writes a registered secret: besides path-based redaction, every serialized
 * line passes through {@link scrubSecrets} before it reaches the destination.
 *
 * @example
 * const log = createLogger({ level: "info" });
 * log.child({ request: "talos-prod-01-workers-x7k2q" }).info("VM created");
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? "info",
    redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const target = settings.destination ?? pino.destination({ fd: 2, sync: true });
  const scrubbing: DestinationStream = {
    write(line: string) {
      const clean = scrubSecrets(line);
      target.write(settings.format === "pretty" ? prettyLine(clean) : clean);
    },
  };
  return pino(options, scrubbing);
}

/** A logger that drops everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

function prettyLine(jsonLine: string): string {
  try {
    const { time, level, msg, ...rest } = JSON.parse(jsonLine) as Record<string, unknown>;
    const clock = typeof time === "string" ? time.slice(11, 19) : "";
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `${clock} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? "")}${fields ? ` ${fields}` : ""}\n`;
  } catch {
    return jsonLine;
  }
}
