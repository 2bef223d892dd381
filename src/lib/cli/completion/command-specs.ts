import { aliasRoots, type CommandNode, type Flag } from "../tree.ts";

/** What a shell needs to know about one command path to complete the word after it. */
export interface PathSpec {
  /** "unitsync exp sync start" */
  path: string;
  node: CommandNode;
  flags: Flag[];
  /** Subcommand names (and their aliases). */
  children: string[];
  /** Every spelling of every flag, `--help` included: `--output`, `-o`, ... */
  flagWords: string[];
  /** The spellings of the flags that consume the next word. */
  valueFlagWords: string[];
  /** Fixed values for the positionals (e.g. the shells of `completion`). */
  positionalChoices: string[];
  /** The positionals name units. */
  units: boolean;
  /** Everything after `--` is a command line. */
  takesCommand: boolean;
}

/** What a shell offers for a flag's value. */
export type ValueKind =
  | { kind: "choices"; values: string[] }
  | { kind: "files" }
  | { kind: "units" }
  | { kind: "any" };

/** One PathSpec per node, in the order given; paths that repeat another (see pathAliases) are left out. */
export function pathSpecs(nodes: CommandNode[]): PathSpec[] {
  return nodes
    .filter((node) => !node.sameAs)
    .map((node) => {
      const flags = flagsOf(node);
      return {
        path: node.path.join(" "),
        node,
        flags,
        children: node.children.flatMap((child) => [child.name, ...child.aliases]),
        flagWords: flags.flatMap(flagWords),
        valueFlagWords: flags.filter((flag) => flag.takesValue).flatMap(flagWords),
        positionalChoices: node.positionals.flatMap((arg) => arg.choices),
        units: node.positionals.some((arg) => arg.isUnit),
        takesCommand: node.commandTail,
      };
    });
}

/** Paths that lead to a command reachable by an earlier path: `unitsync sync` -> `unitsync exp sync`. */
export function pathAliases(nodes: CommandNode[]): { from: string; to: string }[] {
  return aliasRoots(nodes).map((node) => ({ from: node.path.join(" "), to: node.sameAs.join(" ") }));
}

/** The spellings of a flag on the command line. */
export function flagWords(flag: Flag): string[] {
  return [flag.name, ...flag.aliases].map((name) => (name.length === 1 ? `-${name}` : `--${name}`));
}

/** What to offer after a flag that takes a value. */
export function valueKind(flag: Flag): ValueKind {
  if (flag.choices.length > 0) return { kind: "choices", values: flag.choices };
  if (flag.isPath) return { kind: "files" };
  if (flag.isUnit) return { kind: "units" };
  return { kind: "any" };
}

/** `text` as one single-quoted bash or zsh word. */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A description on one line, as completion menus show it. */
export function oneLine(description: string): string {
  return description.replace(/\s+/g, " ").trim();
}

// --- internal ---

/** `--help` is accepted by every command and `--version` by the root: src/lib/cli/run.ts adds them. */
function flagsOf(node: CommandNode): Flag[] {
  const builtin = (name: string, alias: string, description: string): Flag => ({
    name,
    aliases: [alias],
    description,
    takesValue: false,
    choices: [],
    isPath: false,
    isUnit: false,
    multiple: false,
  });
  const negations = node.flags.flatMap((flag): Flag[] =>
    flag.negation === undefined
      ? []
      : [{ ...flag, name: `no-${flag.name}`, aliases: [], description: flag.negation, negation: undefined }],
  );
  return [
    ...node.flags,
    ...negations,
    builtin("help", "h", "Show help"),
    ...(node.path.length === 1 ? [builtin("version", "v", "Show the version")] : []),
  ];
}
