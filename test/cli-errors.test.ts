import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { defineCommand } from "../src/lib/cli/command.ts";
import { runCli } from "../src/lib/cli/run.ts";
import { ExitCode, UnitsyncError } from "../src/lib/errors.ts";
import * as stderr from "../src/lib/stderr.ts";

/** A root command whose one verb throws `error`. */
function throwing(error: unknown) {
  return defineCommand({
    meta: { name: "unitsync" },
    subCommands: {
      verb: defineCommand({
        meta: { name: "verb" },
        run() {
          throw error;
        },
      }),
    },
  });
}

describe("the entrypoint's error sink", () => {
  let lines: string[];
  let spies: { mockRestore(): void }[];
  beforeEach(() => {
    lines = [];
    // Error lines go through console.error (red on a terminal), hints through printLine (plain).
    spies = [
      spyOn(console, "error").mockImplementation((...args: unknown[]) => {
        lines.push(args.join(" "));
      }),
      spyOn(stderr, "printLine").mockImplementation((line: string) => {
        lines.push(line);
      }),
    ];
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });

  test("an unexpected exception exits 70 and says it is a bug", async () => {
    const code = await runCli(throwing(new TypeError("x is undefined")), ["verb"], "0.0.0");
    expect({ code, lines }).toEqual({
      code: ExitCode.internal,
      lines: [
        "error: internal error (a bug in unitsync): x is undefined",
        "hint: please report it, with the command that failed and unitsync --version",
      ],
    });
    expect(ExitCode.internal).toBe(70);
  });

  test("a refusal keeps its own exit code and hint", async () => {
    const refusal = new UnitsyncError(
      "unit is not registered",
      ExitCode.refused,
      "not_registered",
      "try want",
    );
    const code = await runCli(throwing(refusal), ["verb"], "0.0.0");
    expect({ code, lines }).toEqual({
      code: ExitCode.refused,
      lines: ["error: unit is not registered", "hint: try want"],
    });
  });

  test("the problems behind a refusal each get their own error: line, before it", async () => {
    const refusal = new UnitsyncError(
      "2 problems in the startup scripts",
      ExitCode.usage,
      "invalid_scripts",
      undefined,
      ["a.sh: not executable", "b.sh: unknown header key"],
    );
    const code = await runCli(throwing(refusal), ["verb"], "0.0.0");
    expect({ code, lines }).toEqual({
      code: ExitCode.usage,
      lines: [
        "error: a.sh: not executable",
        "error: b.sh: unknown header key",
        "error: 2 problems in the startup scripts",
      ],
    });
  });

  test("an error of the operating system (EACCES, ...) is a failed request, exit 1, not a bug", async () => {
    const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/x'"), { code: "EACCES" });
    const code = await runCli(throwing(denied), ["verb"], "0.0.0");
    expect({ code, lines }).toEqual({
      code: ExitCode.refused,
      lines: ["error: EACCES: permission denied, mkdir '/x'"],
    });
  });
});
