import { usageError } from "../errors.ts";
import type { ArgDef, ArgsDef, ParsedArgs, PositionalDef } from "./command.ts";

/**
 * Parses a leaf command's arguments the way citty does (positionals by name in order, `--flag value`,
 * `--flag=value`, `-o value` aliases, `--no-flag`, defaults, enum choices), but strictly: unknown
 * flags, missing values, missing and surplus positionals are usage errors. Also what citty lacks:
 * `multiple` flags collect every occurrence, a `variadic` last positional takes the remaining words,
 * and `--` ends the options; the words after it are positionals, or the `afterDashes` command line.
 */
export function parseArgs<T extends ArgsDef>(defs: T, argv: readonly string[], hint?: string): ParsedArgs<T> {
  const byFlag = new Map<string, [string, ArgDef]>();
  const positionalDefs: [string, PositionalDef][] = [];
  let tail: [string, PositionalDef] | undefined;
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") {
      if (def.afterDashes) tail = [name, def];
      else positionalDefs.push([name, def]);
      continue;
    }
    const aliases = "alias" in def && def.alias ? [def.alias].flat() : [];
    for (const flag of [name, camel(name), ...aliases]) byFlag.set(flag, [name, def]);
  }

  const dashes = argv.indexOf("--");
  const options = dashes === -1 ? argv : argv.slice(0, dashes);
  const afterDashes = dashes === -1 ? [] : argv.slice(dashes + 1);
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const arg = options[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.slice(arg.startsWith("--") ? 2 : 1);
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
    if (def.type === "string" && def.multiple) values[name] = [...((values[name] as string[]) ?? []), value];
    else values[name] = value;
  }

  // Without a command line to keep, `--` only ends the options: what follows is positionals.
  const words = tail ? positionals : [...positionals, ...afterDashes];
  const parsed: Record<string, unknown> = { _: [...positionals, ...afterDashes] };
  let next = 0;
  for (const [name, def] of Object.entries(defs)) {
    let value: unknown = values[name];
    if (def.type === "positional") {
      if (def.afterDashes) value = afterDashes;
      else {
        value = def.variadic ? words.slice(next) : words[next];
        next = def.variadic ? words.length : next + 1;
        const missing = def.variadic ? (value as string[]).length === 0 : value === undefined;
        if (missing && def.default === undefined && def.required !== false) {
          throw usageError(`missing argument <${name}>`, hint);
        }
      }
    } else if (value === undefined && def.required && def.default === undefined) {
      throw usageError(`missing flag --${name}`, hint);
    } else if (value === undefined && def.type === "string" && def.multiple) {
      value = def.default === undefined ? [] : [def.default];
    }
    value ??= def.default;
    parsed[name] = value;
    if (camel(name) !== name) parsed[camel(name)] = value;
  }
  if (words.length > next) {
    const extra = words[next] as string;
    if (tail) throw usageError(`unexpected argument "${extra}": put the ${tail[0]} after --`, hint);
    const where = next >= positionals.length ? " after --" : "";
    throw usageError(`unexpected argument "${extra}"${where}`, hint);
  }
  if (tail && afterDashes.length === 0 && tail[1].required !== false) {
    throw usageError(`missing ${tail[0]}: put it after --`, hint);
  }
  return parsed as ParsedArgs<T>;
}

// --- internal ---

/**
 * `socket-path` as `socketPath`. Without a regular expression: each one a process uses costs its
 * first call about 0.06 ms to compile, and this runs for every flag of every call.
 */
function camel(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const next = name[i + 1];
    if (name[i] === "-" && next !== undefined && next >= "a" && next <= "z") {
      out += next.toUpperCase();
      i++;
    } else out += name[i];
  }
  return out;
}
