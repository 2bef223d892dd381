/**
 * Coder's golden cases, translated: each case sets up the same state as the test of that name in
 * Coder's cli/sync_test.go (TestSyncCommands_Golden), runs the same command with stdout not a
 * terminal, and compares unitsync's stdout byte for byte with the text of Coder's
 * cli/testdata/TestSyncCommands_Golden/<name>.golden. Where the golden files changed over time,
 * the text is the one DESIGN.md's CLI contract quotes.
 */
import { describe, expect, test } from "bun:test";
import { syncInBackground, untilWaiting } from "./_background.ts";
import { type RunResult, startAgent, sync, tempDir } from "./_helpers.ts";

type Sync = (...args: string[]) => Promise<RunResult>;

interface GoldenCase {
  /** The golden file's name, without `.golden`. */
  name: string;
  /** The state before the command, made through the CLI (Coder's test uses its socket client). */
  setup?: (s: Sync, socket: string) => Promise<void>;
  args: string[];
  golden: string;
}

const CASES: GoldenCase[] = [
  { name: "ping_success", args: ["ping"], golden: "Success\n" },
  {
    name: "start_no_dependencies",
    args: ["start", "test-unit"],
    golden: 'Unit "test-unit" started with no dependencies\n',
  },
  {
    name: "start_with_satisfied_dependencies",
    setup: async (s) => {
      await s("want", "test-unit", "dep-unit");
      await s("want", "test-unit", "dep-unit-2");
      for (const dep of ["dep-unit", "dep-unit-2"]) {
        await s("start", dep);
        await s("complete", dep);
      }
    },
    args: ["start", "test-unit"],
    golden: 'Unit "test-unit" started immediately, dependencies already satisfied: [dep-unit, dep-unit-2]\n',
  },
  {
    name: "want_success",
    args: ["want", "test-unit", "dep-unit"],
    golden: 'Unit "test-unit" declared dependencies: [dep-unit]\n',
  },
  {
    name: "complete_success",
    setup: async (s) => {
      await s("start", "test-unit");
    },
    args: ["complete", "test-unit"],
    golden: "Success\n",
  },
  {
    name: "status_pending",
    setup: async (s) => {
      await s("want", "test-unit", "dep-unit");
    },
    args: ["status", "test-unit"],
    golden: [
      "Unit: test-unit",
      "Status: pending",
      "Ready: false",
      "",
      "Dependencies:",
      "DEPENDS ON  REQUIRED STATUS  CURRENT STATUS  SATISFIED  ",
      "dep-unit    completed        not registered  false      ",
      "",
    ].join("\n"),
  },
  {
    name: "status_started",
    setup: async (s) => {
      await s("start", "test-unit");
    },
    args: ["status", "test-unit"],
    golden: "Unit: test-unit\nStatus: started\nReady: true\n\nDependencies:\nNo dependencies found\n",
  },
  {
    name: "status_completed",
    setup: async (s) => {
      await s("start", "test-unit");
      await s("complete", "test-unit");
    },
    args: ["status", "test-unit"],
    golden: "Unit: test-unit\nStatus: completed\nReady: true\n\nDependencies:\nNo dependencies found\n",
  },
  {
    name: "status_with_dependencies",
    setup: async (s) => {
      await s("want", "test-unit", "dep-1");
      await s("want", "test-unit", "dep-2");
      await s("start", "dep-1");
      await s("complete", "dep-1");
    },
    args: ["status", "test-unit"],
    golden: [
      "Unit: test-unit",
      "Status: pending",
      "Ready: false",
      "",
      "Dependencies:",
      "DEPENDS ON  REQUIRED STATUS  CURRENT STATUS  SATISFIED  ",
      "dep-1       completed        completed       true       ",
      "dep-2       completed        not registered  false      ",
      "",
    ].join("\n"),
  },
  {
    // Not a golden file: Coder's answer for a name nobody mentioned, which its troubleshooting
    // guide relies on (exit 0).
    name: "status of a name never mentioned",
    args: ["status", "never-mentioned"],
    golden:
      "Unit: never-mentioned\nStatus: not registered\nReady: true\n\nDependencies:\nNo dependencies found\n",
  },
  {
    name: "status_json_format",
    setup: async (s) => {
      await s("want", "test-unit", "dep-unit");
      await s("start", "dep-unit");
      await s("complete", "dep-unit");
    },
    args: ["status", "test-unit", "--output", "json"],
    golden: `${JSON.stringify(
      {
        unit_name: "test-unit",
        status: "pending",
        is_ready: true,
        dependencies: [
          {
            depends_on: "dep-unit",
            required_status: "completed",
            current_status: "completed",
            is_satisfied: true,
          },
        ],
      },
      null,
      2,
    )}\n`,
  },
  { name: "list_no_units", args: ["list"], golden: "No units registered\n" },
  {
    name: "list_with_units",
    setup: async (s) => {
      await s("start", "unit-a");
      await s("start", "unit-b");
      await s("complete", "unit-b");
      await s("want", "unit-c", "unit-a");
    },
    args: ["list"],
    golden:
      "UNIT    STATUS     READY  \nunit-a  started    true   \nunit-b  completed  true   \nunit-c  pending    false  \n",
  },
  {
    name: "list_json_format",
    setup: async (s) => {
      await s("start", "my-unit");
    },
    args: ["list", "--output", "json"],
    golden: '[\n  {\n    "unit_name": "my-unit",\n    "status": "started",\n    "is_ready": true\n  }\n]\n',
  },
];

/** unitsync's extra keys in `status -o json` come after Coder's, which a golden comparison reads. */
const CODER_JSON_KEYS = new Set(["unit_name", "status", "is_ready", "dependencies"]);

describe("Coder's golden cases on unitsync's default output", () => {
  for (const { name, setup, args, golden } of CASES) {
    test.concurrent(name, async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      const s: Sync = (...a) => sync(dir.socket, ...a);
      await setup?.(s, dir.socket);
      const result = await s(...args);
      expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: "" });
      const stdout = args.includes("json") && args[0] === "status" ? coderKeys(result.stdout) : result.stdout;
      expect(stdout).toBe(golden);
    });
  }

  test.concurrent("start_with_dependencies", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s: Sync = (...a) => sync(dir.socket, ...a);
    await s("want", "test-unit", "dep-unit");
    await s("want", "test-unit", "dep-unit-2");
    const start = syncInBackground(dir.socket, "start", "test-unit");
    await untilWaiting(dir.socket, 1);
    for (const dep of ["dep-unit", "dep-unit-2"]) {
      await s("start", dep);
      await s("complete", dep);
    }
    expect(await start.done).toEqual({
      exitCode: 0,
      stderr: "",
      stdout:
        'Unit "test-unit" is waiting for dependencies to be satisfied: [dep-unit, dep-unit-2]\n' +
        'Unit "test-unit" finished waiting for dependencies: [dep-unit, dep-unit-2]\n',
    });
  });
});

/** `status -o json` with only Coder's keys, in the order printed (they must come first). */
function coderKeys(stdout: string): string {
  const parsed = JSON.parse(stdout) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  const first = keys.slice(0, CODER_JSON_KEYS.size);
  if (!first.every((key) => CODER_JSON_KEYS.has(key))) return stdout;
  return `${JSON.stringify(Object.fromEntries(first.map((key) => [key, parsed[key]])), null, 2)}\n`;
}
