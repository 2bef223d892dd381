/**
 * Commands are citty command definitions (`CommandDef`, `ArgsDef`); this module parses their
 * arguments without loading citty's runtime. citty's module imports node:util at start, which costs
 * every client call about 5 ms, the whole start-up budget of a script's `exp sync` call; citty itself
 * is loaded lazily, only to render `--help` (see src/lib/cli/run.ts).
 */
import type { ArgDef, ArgsDef, CommandDef, ParsedArgs } from "citty";
import { usageError } from "../errors.ts";

/** A command: citty's definition, plus `variadic` for leaves that take more positionals than declared. */
// biome-ignore lint/suspicious/noExplicitAny: each leaf command has its own argument types
export type Command = CommandDef<any> & { variadic?: boolean };

/** Defines a command (citty's `defineCommand`, without loading citty). */
export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def;
}

/**
 * Parses a leaf command's arguments the way citty does (positionals by name in order, `--flag value`,
 * `--flag=value`, `-o value` aliases, `--no-flag`, defaults, enum choices, everything after `--` kept
 * in `_`), but strictly: unknown flags, missing values and surplus positionals are usage errors.
 */
export function parseArgs(
  defs: ArgsDef,
  argv: readonly string[],
  variadic = false,
  hint?: string,
): ParsedArgs {
  const byFlag = new Map<string, [string, ArgDef]>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const flag of [name, camel(name), ...aliases]) byFlag.set(flag, [name, def]);
  }
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const dashes = argv.indexOf("--");
  const options = dashes === -1 ? argv : argv.slice(0, dashes);
  for (let i = 0; i < options.length; i++) {
    const arg = options[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const flag = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    let entry = byFlag.get(flag);
    let negated = false;
    if (!entry && flag.startsWith("no-") && byFlag.get(flag.slice(3))?.[1].type === "boolean") {
      entry = byFlag.get(flag.slice(3));
      negated = true;
    }
    if (!entry) throw usageError(`unknown flag: ${arg.split("=")[0]}`, hint);
    const [name, def] = entry;
    if (def.type === "boolean") {
      values[name] = negated ? false : inline === undefined ? true : !["false", "0", "no"].includes(inline);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = options[i + 1];
      if (value === undefined || value.startsWith("--")) throw usageError(`flag ${arg} needs a value`, hint);
      i++;
    }
    if (def.type === "enum" && def.options && !def.options.includes(value)) {
      throw usageError(
        `invalid value "${value}" for --${name}; choose from: ${def.options.join(", ")}`,
        hint,
      );
    }
    values[name] = value;
  }

  const parsed: Record<string, unknown> = {
    _: [...positionals, ...(dashes === -1 ? [] : argv.slice(dashes + 1))],
  };
  let next = 0;
  for (const [name, def] of Object.entries(defs)) {
    let value: unknown = values[name];
    if (def.type === "positional") {
      value = positionals[next++];
      if (value === undefined && def.default === undefined && def.required !== false) {
        throw usageError(`missing argument <${name}>`, hint);
      }
    } else if (value === undefined && def.required && def.default === undefined) {
      throw usageError(`missing flag --${name}`, hint);
    }
    value ??= def.default;
    parsed[name] = value;
    if (camel(name) !== name) parsed[camel(name)] = value;
  }
  if (!variadic && positionals.length > next)
    throw usageError(`unexpected argument "${positionals[next]}"`, hint);
  return parsed as ParsedArgs;
}

// --- internal ---

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
