import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "../src/lib/cli/command.ts";
import { helpText } from "../src/lib/cli/help.ts";
import { parseArgs } from "../src/lib/cli/parse.ts";
import { ExitCode, UnitsyncError } from "../src/lib/errors.ts";

const runArgs = {
  unit: { type: "positional", required: true },
  want: { type: "string", multiple: true },
  timeout: { type: "string", default: "5m" },
  command: { type: "positional", afterDashes: true, required: true },
} as const satisfies ArgsDef;

const wantArgs = {
  unit: { type: "positional", required: true },
  "depends-on": { type: "positional", required: true, variadic: true },
} as const satisfies ArgsDef;

const noArgs = { quiet: { type: "boolean" } } as const satisfies ArgsDef;

/** The usage error `parseArgs` throws, as its message and exit code. */
function refusal(defs: ArgsDef, argv: string[]): { message: string; exitCode: number } | undefined {
  try {
    parseArgs(defs, argv);
    return undefined;
  } catch (error) {
    if (!(error instanceof UnitsyncError)) throw error;
    return { message: error.message, exitCode: error.exitCode };
  }
}

describe("parseArgs", () => {
  test("a multiple flag keeps every occurrence in order, in both spellings", () => {
    const args = parseArgs(runArgs, ["app", "--want", "a", "--want=b,c", "--want", "d", "--", "true"]);
    expect({ unit: args.unit, want: args.want, command: args.command }).toEqual({
      unit: "app",
      want: ["a", "b,c", "d"],
      command: ["true"],
    });
  });

  test("a multiple flag never given is an empty list", () => {
    expect(parseArgs(runArgs, ["app", "--", "true"]).want).toEqual([]);
  });

  test("the command line after -- is kept as is, flags included", () => {
    const args = parseArgs(runArgs, ["app", "--", "sh", "-c", "exit 3", "--want", "x", "--"]);
    expect({ command: args.command, want: args.want }).toEqual({
      command: ["sh", "-c", "exit 3", "--want", "x", "--"],
      want: [],
    });
  });

  test("a variadic positional takes every remaining word, before and after --", () => {
    expect(parseArgs(wantArgs, ["u", "a", "b"])["depends-on"]).toEqual(["a", "b"]);
    expect(parseArgs(wantArgs, ["u", "--", "-a", "b"])["depends-on"]).toEqual(["-a", "b"]);
  });

  test("-- ends the options: a word after it is a positional, not a flag", () => {
    expect(refusal(noArgs, ["--", "--quiet"])).toEqual({
      message: 'unexpected argument "--quiet" after --',
      exitCode: ExitCode.usage,
    });
    expect(parseArgs(noArgs, ["--quiet", "--"]).quiet).toBe(true);
  });

  test.each([
    [
      "words after -- on a command that takes none",
      noArgs,
      ["--quiet", "--", "sleep", "1"],
      'unexpected argument "sleep" after --',
    ],
    [
      "a surplus positional",
      { unit: { type: "positional", required: true } },
      ["a", "b"],
      'unexpected argument "b"',
    ],
    [
      "a surplus positional after --",
      { unit: { type: "positional", required: true } },
      ["a", "--", "b"],
      'unexpected argument "b" after --',
    ],
    ["a variadic positional given no word", wantArgs, ["u"], "missing argument <depends-on>"],
    [
      "a command line without --",
      runArgs,
      ["app", "echo", "hi"],
      'unexpected argument "echo": put the command after --',
    ],
    ["no command line", runArgs, ["app"], "missing command: put it after --"],
    ["no command line after --", runArgs, ["app", "--"], "missing command: put it after --"],
    ["the unit after --", runArgs, ["--", "echo", "hi"], "missing argument <unit>"],
    ["a multiple flag without its value", runArgs, ["app", "--want"], "flag --want needs a value"],
  ] as [string, ArgsDef, string[], string][])("refuses %s (exit 2)", (_, defs, argv, message) => {
    expect(refusal(defs, argv)).toEqual({ message, exitCode: ExitCode.usage });
  });
});

describe("help", () => {
  test("the usage line shows variadic positionals with ... and the command line after --", async () => {
    const usage = async (args: ArgsDef) =>
      Bun.stripANSI(await helpText({ meta: { name: "x", description: "d" }, args, run() {} }, ["x"]))
        .split("\n")
        .find((line) => line.startsWith("USAGE"));
    expect(await usage(wantArgs)).toBe("USAGE x [OPTIONS] <UNIT> <DEPENDS-ON>...");
    expect(await usage(runArgs)).toBe("USAGE x [OPTIONS] <UNIT> -- <command> [args...]");
    const optionalCommand = { command: { type: "positional", afterDashes: true, required: false } } as const;
    expect(await usage(optionalCommand)).toBe("USAGE x [OPTIONS] [-- <command> [args...]]");
  });
});
