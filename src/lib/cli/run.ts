import { ExitCode, UnitsyncError, usageError } from "../errors.ts";
import { oneLine } from "../one-line.ts";
import { printLine } from "../stderr.ts";
import type { ArgsDef, Command, CommandDef } from "./command.ts";
import { helpText } from "./help.ts";
import { parseArgs } from "./parse.ts";

export type { Command } from "./command.ts";

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Runs the CLI and returns the exit code; the one place where errors become `error: ...` lines.
 * It resolves the verbs, parses the leaf's arguments strictly (unknown flags, missing values and
 * surplus arguments exit 2 before anything runs) and calls the leaf's `run`. citty's runMain would
 * exit 1 on every error and accept unknown flags; its module is loaded only to render help.
 */
export async function runCli(root: Command, argv: string[], version: string): Promise<number> {
  const dashes = argv.indexOf("--");
  const options = dashes === -1 ? argv : argv.slice(0, dashes);
  try {
    if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
      console.log(version);
      return ExitCode.ok;
    }
    const { path, leaf, rest } = await resolve(root, options);
    if (options.some((arg) => HELP_FLAGS.has(arg))) {
      process.stdout.write(`${await usage(leaf, path)}\n`);
      return ExitCode.ok;
    }
    // A group runs nothing itself; a command with both (`agent`, `agent stop`) runs when no verb follows.
    if (!leaf.run) {
      const next = rest.find((arg, i) => !arg.startsWith("-") && !isValueOf(rest[i - 1]));
      process.stderr.write(`${await usage(leaf, path)}\n\n`);
      throw next === undefined
        ? usageError(`missing command after "${path.join(" ")}"`)
        : usageError(`unknown command "${next}" for "${path.join(" ")}"`);
    }
    const rawArgs = [...rest, ...(dashes === -1 ? [] : argv.slice(dashes))];
    const args = parseArgs((await resolveValue(leaf.args)) ?? {}, rawArgs, helpHint(path));
    await leaf.run({ args, rawArgs, cmd: leaf });
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return report(error);
  }
}

/**
 * Prints an error as `error: <message>` (and a hint line) on stderr and returns its exit code: the
 * one place `error:` lines are printed. A UnitsyncError is a refusal with its own code; an error
 * the system raised (it carries an errno code, e.g. EACCES) failed the request, exit 1; anything
 * else is a bug in unitsync, exit 70.
 */
export function report(error: unknown): number {
  // console.error, not process.stderr: building Node's stream object costs a client some
  // milliseconds (docs/benchmarks.md, "Touching process.stdout"). Every line goes through oneLine:
  // a message may repeat what the user typed (a name, a flag's value), and stays one line.
  if (error instanceof UnitsyncError) {
    for (const detail of error.details) console.error(`error: ${oneLine(detail)}`);
    console.error(`error: ${oneLine(error.message)}`);
    // Plain: on a terminal console.error prints red, which belongs to the error itself.
    if (error.hint) printLine(`hint: ${oneLine(error.hint)}`);
    return error.exitCode;
  }
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (isSystemError(error)) {
    console.error(`error: ${message}`);
    return ExitCode.refused;
  }
  console.error(`error: internal error (a bug in unitsync): ${message}`);
  printLine("hint: please report it, with the command that failed and unitsync --version");
  return ExitCode.internal;
}

// --- internal ---

/** Follows the verbs in `argv` down the command tree; `rest` is what remains for the last command. */
async function resolve(
  root: Command,
  argv: string[],
): Promise<{ path: string[]; leaf: Command; rest: string[] }> {
  const path = ["unitsync"];
  let command = root;
  let rest = argv;
  for (;;) {
    const subCommands = await resolveValue(command.subCommands);
    if (!subCommands) return { path, leaf: command, rest };
    // Flags may stand before the verb (`exp sync --socket-path P ping`): a word right after a flag
    // that is not a verb is taken as that flag's value, and so is any word after a flag this
    // command itself declares with a value (`agent --scripts stop` names a directory).
    const ownValueFlags = valueFlags((await resolveValue(command.args)) ?? {});
    let found: { index: number; next: Command } | undefined;
    for (let i = 0; i < rest.length && !found; i++) {
      const arg = rest[i] as string;
      if (arg.startsWith("-")) continue;
      if (ownValueFlags.has(rest[i - 1] ?? "")) continue;
      const next = await findSubCommand(subCommands, arg);
      if (next) found = { index: i, next };
      else if (!isValueOf(rest[i - 1])) break;
    }
    if (!found) return { path, leaf: command, rest };
    path.push(rest[found.index] as string);
    command = found.next;
    rest = [...rest.slice(0, found.index), ...rest.slice(found.index + 1)];
  }
}

/** The spellings (`--scripts`, `-o`) of the flags in `args` that take a value. */
function valueFlags(args: ArgsDef): Set<string> {
  const words = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional" || def.type === "boolean") continue;
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const flag of [name, ...aliases]) words.add(flag.length === 1 ? `-${flag}` : `--${flag}`);
  }
  return words;
}

function isValueOf(previous: string | undefined): boolean {
  return previous?.startsWith("-") === true && !previous.includes("=");
}

async function findSubCommand(subCommands: NonNullable<CommandDef["subCommands"]>, name: string) {
  const resolved = await resolveValue(subCommands);
  if (Object.hasOwn(resolved, name)) return (await resolveValue(resolved[name])) as Command;
  for (const candidate of Object.values(resolved)) {
    const command = (await resolveValue(candidate)) as Command;
    const alias = (await resolveValue(command.meta))?.alias;
    if (alias && [alias].flat().includes(name)) return command;
  }
  return undefined;
}

/** An error from the operating system (fs, sockets): it carries an errno name such as EACCES. */
function isSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

function helpHint(path: string[]): string {
  return `see "${path.join(" ")} --help"`;
}

async function usage(command: Command, path: string[]): Promise<string> {
  const text = await helpText(command, path);
  // citty colours its usage unless NO_COLOR or CI is set; keep colour for terminals only.
  return process.stdout.isTTY ? text : Bun.stripANSI(text);
}

async function resolveValue<T>(value: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
