import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty";
import { ExitCode, UnitsyncError, usageError } from "./errors.ts";

/** A leaf command may take more positionals than it declares (e.g. `want <unit> <dep>...`). */
// biome-ignore lint/suspicious/noExplicitAny: leaf commands have their own argument types
export type Command = CommandDef<any> & { variadic?: boolean };

const HELP_FLAGS = new Set(["--help", "-h"]);

/**
 * Runs the CLI and returns the exit code; the one place where errors become `error: ...` lines.
 * citty's own runMain exits 1 on every error and accepts unknown flags, so this wraps runCommand:
 * usage errors (unknown commands and flags, missing values) exit 2 before anything runs.
 */
export async function runCli(root: Command, argv: string[], version: string): Promise<number> {
  const dashes = argv.indexOf("--");
  const options = dashes === -1 ? argv : argv.slice(0, dashes);
  try {
    if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
      process.stdout.write(`${version}\n`);
      return ExitCode.ok;
    }
    const { path, leaf, rest } = await resolve(root, options);
    if (options.some((arg) => HELP_FLAGS.has(arg))) {
      process.stdout.write(`${await usage(leaf, path)}\n`);
      return ExitCode.ok;
    }
    if (leaf.subCommands) {
      const next = rest.find((arg, i) => !arg.startsWith("-") && !isValueOf(rest[i - 1]));
      process.stderr.write(`${await usage(leaf, path)}\n\n`);
      throw next === undefined
        ? usageError(`missing command after "${path.join(" ")}"`)
        : usageError(`unknown command "${next}" for "${path.join(" ")}"`);
    }
    await checkArgs(leaf, rest, path);
    try {
      // Verbs first, then the leaf's own arguments, so citty finds the same command we checked.
      const tail = dashes === -1 ? [] : argv.slice(dashes);
      await runCommand(root, { rawArgs: [...path.slice(1), ...rest, ...tail] });
    } catch (error) {
      // citty's own argument errors (a missing positional, a bad enum value) are usage errors.
      if ((error as Error).name !== "CLIError") throw error;
      throw usageError(cittyMessage((error as Error).message), helpHint(path));
    }
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return report(error);
  }
}

/** Prints an error as `error: <message>` (and a hint line) on stderr; returns its exit code. */
export function report(error: unknown): number {
  if (error instanceof UnitsyncError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
  return ExitCode.refused;
}

// --- internal ---

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
    // that is not a verb is taken as that flag's value.
    let found: { index: number; next: Command } | undefined;
    for (let i = 0; i < rest.length && !found; i++) {
      const arg = rest[i] as string;
      if (arg.startsWith("-")) continue;
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

function isValueOf(previous: string | undefined): boolean {
  return previous !== undefined && previous.startsWith("-") && !previous.includes("=");
}

async function findSubCommand(subCommands: NonNullable<CommandDef["subCommands"]>, name: string) {
  const resolved = await resolveValue(subCommands);
  if (name in resolved) return (await resolveValue(resolved[name])) as Command;
  for (const candidate of Object.values(resolved)) {
    const command = (await resolveValue(candidate)) as Command;
    const alias = (await resolveValue(command.meta))?.alias;
    if (alias && [alias].flat().includes(name)) return command;
  }
  return undefined;
}

/** Refuses unknown flags, flags missing their value, and surplus positionals. */
async function checkArgs(command: Command, argv: string[], path: string[]): Promise<void> {
  const defs: ArgsDef = (await resolveValue(command.args)) ?? {};
  const byName = new Map<string, ArgsDef[string]>();
  for (const [name, def] of Object.entries(defs)) {
    const aliases = "alias" in def ? [def.alias ?? []].flat() : [];
    for (const alias of [name, kebab(name), ...aliases]) byName.set(alias, def);
  }
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positionals++;
      continue;
    }
    const [flag, inline] = splitFlag(arg);
    let def = byName.get(flag);
    if (!def && flag.startsWith("no-") && byName.get(flag.slice(3))?.type === "boolean") {
      def = byName.get(flag.slice(3));
    }
    if (!def || def.type === "positional")
      throw usageError(`unknown flag: ${arg.split("=")[0]}`, helpHint(path));
    if ((def.type === "string" || def.type === "enum") && inline === undefined) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--"))
        throw usageError(`flag ${arg} needs a value`, helpHint(path));
      i++;
    }
  }
  const declared = Object.values(defs).filter((def) => def.type === "positional").length;
  if (!command.variadic && positionals > declared) {
    const extra = argv.filter((arg) => !arg.startsWith("-"))[declared];
    throw usageError(`unexpected argument "${extra}"`, helpHint(path));
  }
}

function splitFlag(arg: string): [string, string | undefined] {
  const body = arg.replace(/^--?/, "");
  const eq = body.indexOf("=");
  return eq === -1 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

function helpHint(path: string[]): string {
  return `see "${path.join(" ")} --help"`;
}

async function usage(command: Command, path: string[]): Promise<string> {
  const parent = { meta: { name: path.slice(0, -1).join(" ") } } as CommandDef;
  const text = await renderUsage(command, path.length > 1 ? parent : undefined);
  // citty colours its usage unless NO_COLOR or CI is set; keep colour for terminals only.
  return process.stdout.isTTY ? text : Bun.stripANSI(text);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** citty's messages, without colour and in our words. */
function cittyMessage(text: string): string {
  const plain = Bun.stripANSI(text);
  const missing = /^Missing required positional argument: (.+)$/.exec(plain);
  return missing ? `missing argument <${missing[1]?.toLowerCase()}>` : plain;
}

async function resolveValue<T>(value: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
