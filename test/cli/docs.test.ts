/**
 * Every `omni-proxmox …` line in a code block of docs/*.md names a known command with known flags; those
 * that can run against the lab (`--lab .lab`, `validate`, `schema`, `doctor --print-role`) are run against
 * the lab simulators in-process and must succeed (a broken fixture passed to validate must fail). The
 * pveum commands of proxmox-permissions.md must be exactly what `doctor --print-role` prints.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { registerDoctorCommand } from "../../src/cli/commands/doctor.ts";
import { registerPlanCommand } from "../../src/cli/commands/plan.ts";
import { registerSchemaCommand } from "../../src/cli/commands/schema.ts";
import { registerValidateCommand } from "../../src/cli/commands/validate.ts";
import { genericRequirements, roleCommands } from "../../src/diagnostics/doctor/index.ts";
import { startTestLab, type TestLab } from "../diagnostics/lab-harness.ts";
import { type Register, runCommand } from "./run-command.ts";

const ROOT = join(import.meta.dirname, "../..");
const DOCS = join(ROOT, "docs");
const MINE: Record<string, Register> = {
  validate: registerValidateCommand,
  plan: registerPlanCommand,
  doctor: registerDoctorCommand,
  schema: registerSchemaCommand,
};

/** Flags of the lead's commands, used when program.ts does not define them (yet). */
const FALLBACK: Record<string, string[]> = {
  run: [
    "--config-file <file>",
    "--omni-api-endpoint <url>",
    "--omni-service-account-key <key>",
    "--id <id>",
    "--provider-name <name>",
    "--provider-description <text>",
    "--insecure-skip-verify",
    "--concurrency <n>",
    "--metrics-addr <addr>",
    "--log-level <level>",
    "--log-format <format>",
  ],
  lab: [
    "--exit",
    "--json",
    "--scenario <name>",
    "--control-planes <n>",
    "--workers <n>",
    "--time-factor <f>",
    "--data-dir <dir>",
    "--trace-proxmox <file>",
    "--faults <spec>",
  ],
};

interface DocCommand {
  file: string;
  line: number;
  text: string;
  args: string[];
}

/** Splits a shell line into words (quotes and backslash-free, as the docs write them). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

function docCommands(): DocCommand[] {
  const out: DocCommand[] = [];
  for (const file of readdirSync(DOCS).filter((f) => f.endsWith(".md"))) {
    const lines = readFileSync(join(DOCS, file), "utf8").split("\n");
    let fence: string | undefined;
    lines.forEach((raw, i) => {
      const line = raw.trim();
      const open = /^```(\w*)/.exec(line);
      if (open) {
        fence = fence === undefined ? (open[1] ?? "") : undefined;
        return;
      }
      if (fence === undefined || fence === "text" || fence === "yaml") return;
      const text = line.replace(/^\$\s+/, "");
      if (text.startsWith("omni-proxmox ")) out.push({ file, line: i + 1, text, args: words(text).slice(1) });
    });
  }
  return out;
}

async function knownCommands(): Promise<Command> {
  const program = new Command("omni-proxmox");
  try {
    const { buildProgram } = await import("../../src/cli/program.ts");
    for (const c of buildProgram().commands) program.addCommand(c);
  } catch {
    // program.ts is the lead's; when it does not load, the fallbacks below still check the docs.
  }
  for (const [name, register] of Object.entries(MINE)) {
    if (!program.commands.some((c) => c.name() === name)) register(program, { out() {}, err() {}, exit() {} });
  }
  for (const [name, flags] of Object.entries(FALLBACK)) {
    if (program.commands.some((c) => c.name() === name)) continue;
    const c = program.command(name);
    for (const flag of flags) c.option(flag);
  }
  return program;
}

function runnable(cmd: DocCommand): boolean {
  const name = cmd.args[0] ?? "";
  if (!(name in MINE)) return false;
  if (name === "schema" || cmd.args.includes("--print-role")) return true;
  if (name !== "validate" && !cmd.args.includes("--lab")) return false;
  // Only files of this repository (examples/, test/fixtures/): an operator's own paths cannot run here.
  const paths = cmd.args
    .slice(1)
    .filter((a, i, all) => !a.startsWith("-") && !["--lab", "--count", "--class"].includes(all[i - 1] ?? ""));
  return paths.every((p) => existsSync(join(ROOT, p)));
}

describe("commands shown in docs/", () => {
  const commands = docCommands();
  let lab: TestLab;
  before(async () => {
    lab = await startTestLab({});
  });
  after(async () => {
    await lab.close();
  });

  it("the docs show commands at all", () => {
    assert.ok(commands.length >= 10, `${commands.length} commands found`);
    for (const doc of [
      "cel-storage-selectors.md",
      "proxmox-permissions.md",
      "omnictl-auth.md",
      "troubleshooting.md",
      "migration.md",
    ]) {
      assert.ok(existsSync(join(DOCS, doc)), doc);
    }
  });

  for (const cmd of commands) {
    it(`${cmd.file}:${cmd.line}: ${cmd.text}`, async () => {
      const program = await knownCommands();
      const [name, ...rest] = cmd.args;
      const sub = program.commands.find((c) => c.name() === name);
      assert.ok(sub, `unknown command "${name}"`);
      sub.exitOverride();
      const parsed = sub.parseOptions(rest);
      assert.deepEqual(parsed.unknown, [], `unknown flags ${parsed.unknown.join(" ")}`);
      if (!runnable(cmd)) return;
      const args = cmd.args.map((a, i) =>
        cmd.args[i - 1] === "--lab"
          ? lab.dir
          : !a.startsWith("-") && i > 0 && existsSync(join(ROOT, a))
            ? join(ROOT, a)
            : a,
      );
      const register = MINE[name ?? ""];
      assert.ok(register);
      const r = await runCommand(register, args);
      const expected = args.some((a) => a.includes("test/fixtures/broken")) ? 1 : 0;
      assert.equal(r.code, expected, `${r.stdout}\n${r.stderr}`);
    });
  }

  it("proxmox-permissions.md shows exactly the role doctor --print-role prints", () => {
    const text = readFileSync(join(DOCS, "proxmox-permissions.md"), "utf8");
    const shown = text.split("\n").filter((l) => l.startsWith("pveum ") && !l.includes("<"));
    assert.deepEqual(shown, roleCommands(genericRequirements()));
  });
});
