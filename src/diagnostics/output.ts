/**
 * Where the operator commands write: stdout lines, stderr lines and the exit code. The commands take it
 * as a parameter so tests can run them in-process and read what they printed.
 */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Sets the process exit code (the command returns normally so everything is closed first). */
  exit(code: number): void;
}

/** The real terminal. */
export const processIo: CommandIo = {
  out: (text) => {
    process.stdout.write(`${text}\n`);
  },
  err: (text) => {
    process.stderr.write(`${text}\n`);
  },
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * An in-memory {@link CommandIo} for tests.
 *
 * @example
 * const io = captureIo();
 * await program.parseAsync(["node", "omni-proxmox", "schema"]);
 * JSON.parse(io.stdout());
 */
export function captureIo(): CommandIo & { stdout(): string; stderr(): string; code(): number } {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  return {
    out: (text) => {
      out.push(text);
    },
    err: (text) => {
      err.push(text);
    },
    exit: (c) => {
      code = c;
    },
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
    code: () => code,
  };
}
