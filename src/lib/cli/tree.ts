import type { Resolvable } from "citty";
import type { ArgDef, ArgsDef, Command } from "./command.ts";

/** One command of the CLI with everything resolved: what completions and docs/cli.md are made from. */
export interface CommandNode {
  /** The words that run it, e.g. ["unitsync", "exp", "sync", "start"]. */
  path: string[];
  name: string;
  aliases: string[];
  description: string;
  def: Command;
  flags: Flag[];
  positionals: Positional[];
  /** The last positional takes every remaining word (`want <unit> <dep>...`). */
  variadic: boolean;
  /** The words after `--` are a command line to run (`run <unit> -- <command> [args...]`). */
  commandTail: boolean;
  children: CommandNode[];
  /** Set when the same command is reachable by an earlier path (`unitsync sync` = `unitsync exp sync`). */
  sameAs?: string[];
}

/** A `--flag` of a command. */
export interface Flag {
  name: string;
  /** Short or alternative names, without dashes (`o` for `--output`). */
  aliases: string[];
  description: string;
  /** False for booleans; true when the flag consumes the next word. */
  takesValue: boolean;
  /** The allowed values of an enum flag. */
  choices: string[];
  /** The value names a file or directory. */
  isPath: boolean;
  /** The value names units (`run --want`), one or several separated by commas. */
  isUnit: boolean;
  /** For a boolean that is on by default or says what its `--no-` form does: that description. */
  negation?: string;
  /** The flag may be given more than once (`--want a --want b`). */
  multiple: boolean;
}

/** A positional argument of a leaf command. */
export interface Positional {
  name: string;
  /** Fixed values, from a valueHint written as `a|b|c`. */
  choices: string[];
  /** The argument names a unit, so a shell may complete it from `unitsync exp sync list`. */
  isUnit: boolean;
}

/** Resolves the whole tree below `root` (every lazy subcommand is imported). */
export async function loadCommandTree(root: Command): Promise<CommandNode> {
  const meta = await resolve(root.meta);
  return load(root, [meta?.name ?? "unitsync"], new Map());
}

/** Every node of the tree, depth first, parents before children. */
export function* walk(node: CommandNode): Generator<CommandNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

/**
 * The nodes that start a repeat of an earlier path (`unitsync sync` for `unitsync exp sync`), without
 * their children: what completions map back and docs mention once.
 */
export function aliasRoots(nodes: CommandNode[]): (CommandNode & { sameAs: string[] })[] {
  const repeated = new Set(nodes.filter((node) => node.sameAs).map((node) => node.path.join(" ")));
  return nodes.filter(
    (node): node is CommandNode & { sameAs: string[] } =>
      node.sameAs !== undefined && !repeated.has(node.path.slice(0, -1).join(" ")),
  );
}

// --- internal ---

const PATH_HINTS = new Set(["path", "file", "dir", "directory"]);

async function load(def: Command, path: string[], seen: Map<Command, string[]>): Promise<CommandNode> {
  const meta = (await resolve(def.meta)) ?? {};
  const args: ArgsDef = (await resolve(def.args)) ?? {};
  const node: CommandNode = {
    path,
    // The key in the parent's subCommands is what the user types, whatever meta.name says.
    name: path.at(-1) as string,
    aliases: [meta.alias ?? []].flat(),
    description: meta.description ?? "",
    def,
    flags: [],
    positionals: [],
    variadic: false,
    commandTail: false,
    children: [],
    sameAs: seen.get(def),
  };
  seen.set(def, seen.get(def) ?? path);
  for (const [name, arg] of Object.entries(args)) {
    if (arg.type !== "positional") node.flags.push(flag(name, arg));
    else if (arg.afterDashes) node.commandTail = true;
    else {
      node.positionals.push(positional(name, arg));
      node.variadic = arg.variadic === true;
    }
  }
  const subCommands = (await resolve(def.subCommands)) ?? {};
  for (const [name, childDef] of Object.entries(subCommands)) {
    const child = (await resolve(childDef)) as Command;
    if ((await resolve(child.meta))?.hidden) continue;
    node.children.push(await load(child, [...path, name], seen));
  }
  return node;
}

function flag(name: string, arg: ArgDef): Flag {
  const hint = arg.valueHint;
  return {
    name,
    aliases: "alias" in arg ? [arg.alias ?? []].flat() : [],
    description: arg.description ?? "",
    takesValue: arg.type !== "boolean",
    choices: arg.type === "enum" ? [...(arg.options ?? [])] : [],
    isPath: hint !== undefined && PATH_HINTS.has(hint),
    isUnit: hint === "unit" || hint === "units",
    ...(arg.type === "boolean" &&
      (arg.default === true || arg.negativeDescription) && { negation: arg.negativeDescription ?? "" }),
    multiple: arg.type === "string" && arg.multiple === true,
  };
}

function positional(name: string, arg: ArgDef): Positional {
  const hint = arg.valueHint ?? "";
  return {
    name,
    choices: hint.includes("|") ? hint.split("|") : [],
    isUnit: /unit|depend|member/i.test(name),
  };
}

async function resolve<T>(value: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
