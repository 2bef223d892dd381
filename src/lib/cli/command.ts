/**
 * Command definitions: citty's shape (`meta`, `args`, `subCommands`, `run`), so citty can render
 * `--help` from them, plus what citty lacks: repeatable flags (`multiple`), a variadic last
 * positional (`variadic`) and a command line after `--` (`afterDashes`). src/lib/cli/parse.ts
 * parses them without loading citty's runtime (see docs/benchmarks.md, "citty's module").
 */
import type {
  BooleanArgDef,
  CommandMeta,
  EnumArgDef,
  PositionalArgDef,
  Resolvable,
  StringArgDef,
} from "citty";

/** A flag that takes a value; with `multiple`, every occurrence is kept, in order (`--want a --want b`). */
export type StringFlagDef = StringArgDef & { multiple?: boolean };

/**
 * A positional argument. `variadic` (the last one only) takes every remaining word, one or more
 * when required. `afterDashes` takes the words after `--` instead, as a command line to run; the
 * positionals before it must then all come before `--`.
 */
export type PositionalDef = PositionalArgDef & { variadic?: boolean; afterDashes?: boolean };

/** One argument of a command. */
export type ArgDef = BooleanArgDef | StringFlagDef | EnumArgDef | PositionalDef;
/** A command's arguments by name (the flag's name without dashes, or the positional's name). */
export type ArgsDef = Record<string, ArgDef>;

/** The parsed value of one argument, typed from its definition. */
export type ArgValue<T extends ArgDef> = T extends { type: "positional"; variadic: true }
  ? string[]
  : T extends { type: "positional"; afterDashes: true }
    ? string[]
    : T extends { type: "string"; multiple: true }
      ? string[]
      : T extends { type: "boolean" }
        ? Present<T, boolean>
        : T extends { type: "enum"; options: readonly (infer U)[] }
          ? Present<T, U>
          : Present<T, string>;

/** What `run` receives: every argument by name, and `_`, every positional word in order. */
export type ParsedArgs<T extends ArgsDef = ArgsDef> = { _: string[] } & { [K in keyof T]: ArgValue<T[K]> };

/** What a command's `run` is called with. */
export interface CommandContext<T extends ArgsDef = ArgsDef> {
  args: ParsedArgs<T>;
  /** The words after the command's name, `--` and what follows included. */
  rawArgs: string[];
  cmd: CommandDef<T>;
}

/** A command: a group (`subCommands`, no `run`) or a leaf (`run`). */
export interface CommandDef<T extends ArgsDef = ArgsDef> {
  meta?: Resolvable<CommandMeta>;
  args?: Resolvable<T>;
  subCommands?: Resolvable<Record<string, Resolvable<Command>>>;
  run?: (context: CommandContext<T>) => unknown;
}

/** A command of any arguments, as the command tree holds them. */
// biome-ignore lint/suspicious/noExplicitAny: each leaf command has its own argument types
export type Command = CommandDef<any>;

/** Defines a command, its argument types inferred from `args`. */
export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def;
}

// --- internal ---

/** citty's rule: a value is always there when the argument has a default or is required. */
type Present<T, V> = T extends { default: NonNullable<unknown> }
  ? V
  : T extends { required: true }
    ? V
    : V | undefined;
