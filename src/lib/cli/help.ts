import type { CommandDef as CittyCommandDef } from "citty";
import type { ArgsDef, Command } from "./command.ts";

/**
 * A command's `--help` text, coloured as citty renders it: what `--help` prints (uncoloured off a
 * terminal) and what docs/cli.md is made of. citty's usage line knows neither variadic positionals
 * nor a command line after `--`, so they are spelled here: `<UNIT>...`, `-- <command> [args...]`.
 */
export async function helpText(command: Command, path: string[]): Promise<string> {
  const { renderUsage } = await import("citty");
  const parent = { meta: { name: path.slice(0, -1).join(" ") } } as CittyCommandDef;
  const text = await renderUsage(command as CittyCommandDef, path.length > 1 ? parent : undefined);
  const args: ArgsDef = (await resolve(command.args)) ?? {};
  const lines = text.split("\n");
  const usage = lines.findIndex((line) => Bun.stripANSI(line).startsWith("USAGE "));
  let line = lines[usage] ?? "";
  for (const [name, def] of Object.entries(args)) {
    if (def.type !== "positional") continue;
    const upper = name.toUpperCase();
    if (def.afterDashes) {
      line = line
        .replace(`<${upper}>`, `-- <${name}> [args...]`)
        .replace(`[${upper}]`, `[-- <${name}> [args...]]`);
    } else if (def.variadic) line = line.replace(new RegExp(`([<[])${upper}([>\\]])`), `$1${upper}$2...`);
  }
  // A command that runs by itself when no verb follows (`agent`, `agent stop`): the verb is optional.
  if (command.run && command.subCommands) {
    const names = Object.keys((await resolve(command.subCommands)) ?? {}).join("|");
    line = line.replace(` ${names}`, "").replace("[OPTIONS]", `[OPTIONS] [${names}]`);
  }
  if (usage !== -1) lines[usage] = line;
  return lines.join("\n");
}

// --- internal ---

async function resolve<T>(value: T | Promise<T> | (() => T) | (() => Promise<T>)): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
