/** The Coder-compatible verbs end to end: exact output texts, JSON fields and exit codes. */
import { describe, expect, test } from "bun:test";
import { syncInBackground, untilWaiting } from "./_background.ts";
import { run, startAgent, sync, tempDir } from "./_helpers.ts";

describe("Coder-compatible verbs", () => {
  test.concurrent("ping, want, start, complete, status and list print Coder's texts", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s = (...args: string[]) => sync(dir.socket, ...args);

    expect(await s("ping")).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });
    expect(await s("list")).toEqual({ stdout: "No units registered\n", stderr: "", exitCode: 0 });
    expect((await s("want", "test-unit", "dep-1", "dep-2", "dep-3")).stdout).toBe(
      'Unit "test-unit" declared dependencies: [dep-1, dep-2, dep-3]\n',
    );
    expect((await s("start", "dep-2")).stdout).toBe('Unit "dep-2" started with no dependencies\n');
    expect(await s("complete", "dep-2")).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });

    // Coder's lines come first, exactly; unitsync's own (times, waiting on) may follow.
    expect((await s("status", "test-unit")).stdout).toStartWith(
      [
        "Unit: test-unit",
        "Status: pending",
        "Ready: false",
        "",
        "Dependencies:",
        // Coder's tables pad every cell, the last one too.
        "DEPENDS ON  REQUIRED STATUS  CURRENT STATUS  SATISFIED  ",
        "dep-1       completed        not registered  false      ",
        "dep-2       completed        completed       true       ",
        "dep-3       completed        not registered  false      ",
        "",
      ].join("\n"),
    );
    expect((await s("status", "dep-2")).stdout).toStartWith(
      "Unit: dep-2\nStatus: completed\nReady: true\n\nDependencies:\nNo dependencies found\n",
    );
    expect((await s("list")).stdout).toBe(
      [
        "UNIT       STATUS     READY  ",
        "dep-2      completed  true   ",
        "test-unit  pending    false  ",
        "",
      ].join("\n"),
    );
    expect((await s("list", "-c", "unit,ready")).stdout).toBe(
      ["UNIT       READY  ", "dep-2      true   ", "test-unit  false  ", ""].join("\n"),
    );

    for (const dep of ["dep-1", "dep-3"]) {
      await s("start", dep);
      await s("complete", dep);
    }
    expect((await s("start", "test-unit")).stdout).toBe(
      'Unit "test-unit" started immediately, dependencies already satisfied: [dep-1, dep-2, dep-3]\n',
    );
  });

  test.concurrent("status and list -o json have Coder's fields", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s = (...args: string[]) => sync(dir.socket, ...args);
    await s("want", "app", "db");
    await s("start", "db");

    const status = JSON.parse((await s("status", "app", "-o", "json")).stdout);
    expect(status).toMatchObject({
      unit_name: "app",
      status: "pending",
      is_ready: false,
      dependencies: [
        { depends_on: "db", required_status: "completed", current_status: "started", is_satisfied: false },
      ],
    });
    expect(JSON.parse((await s("list", "--output=json")).stdout)).toEqual([
      { unit_name: "app", status: "pending", is_ready: false },
      { unit_name: "db", status: "started", is_ready: true },
    ]);
  });

  test.concurrent("start waits for dependencies completed by other processes", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s = (...args: string[]) => sync(dir.socket, ...args);
    await s("want", "my-app", "git-clone", "env-setup");

    const waiting = syncInBackground(dir.socket, "start", "my-app");
    await untilWaiting(dir.socket, 1);
    for (const dep of ["git-clone", "env-setup"]) {
      await s("start", dep);
      expect(waiting.proc.exitCode).toBeNull();
      await s("complete", dep);
    }
    const { stdout, stderr, exitCode } = await waiting.done;
    expect(exitCode).toBe(0);
    expect(stdout).toBe(
      'Unit "my-app" is waiting for dependencies to be satisfied: [env-setup, git-clone]\n' +
        'Unit "my-app" finished waiting for dependencies: [env-setup, git-clone]\n',
    );
    expect(stderr).toBe("");
    expect(JSON.parse((await s("status", "my-app", "-o", "json")).stdout).status).toBe("started");
  });

  test.concurrent("`unitsync sync` is an alias of `unitsync exp sync`", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect(await run(["sync", "ping", "--socket-path", dir.socket])).toEqual({
      stdout: "Success\n",
      stderr: "",
      exitCode: 0,
    });
  });

  test.concurrent("UNITSYNC_SOCKET_PATH selects the socket when no flag is given", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await run(["exp", "sync", "ping"], { env: { UNITSYNC_SOCKET_PATH: dir.socket } });
    expect(result).toEqual({ stdout: "Success\n", stderr: "", exitCode: 0 });
  });
});

describe("refusals exit 1 with a clear message and leave the state as it was", () => {
  test.concurrent("cycles, wrong states and invalid names", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const s = (...args: string[]) => sync(dir.socket, ...args);
    await s("want", "a", "b");
    await s("want", "b", "c");
    const before = (await s("list", "-o", "json")).stdout;

    const cases: [string[], string][] = [
      [["want", "c", "a"], "error: cycle detected: c -> a -> b -> c\n"],
      [["want", "x", "x"], "error: cycle detected: x -> x\n"],
      [["want", "d", "ok", "c d"], 'error: unit name "c d" contains whitespace or a control character\n'],
      [["complete", "nobody"], 'error: unit "nobody" is not registered\n'],
      [["start", "x".repeat(129)], "error: unit name is 129 characters long; the limit is 128\n"],
    ];
    for (const [args, stderr] of cases) {
      expect({ args, ...(await s(...args)) }).toEqual({ args, stdout: "", stderr, exitCode: 1 });
    }
    expect((await s("list", "-o", "json")).stdout).toBe(before);

    await s("start", "c");
    expect(await s("start", "c")).toEqual({
      stdout: "",
      stderr: 'error: unit "c" is already started\n',
      exitCode: 1,
    });
    await s("complete", "c");
    expect(await s("complete", "c")).toEqual({
      stdout: "",
      stderr: 'error: unit "c" is already completed\n',
      exitCode: 1,
    });
  });

  test.concurrent("a timed-out start exits 124 and leaves its unit unstarted", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "slow", "never");
    const result = await sync(dir.socket, "start", "slow", "--timeout", "200ms");
    expect(result.exitCode).toBe(124);
    expect(result.stderr).toBe("error: timeout waiting for dependencies of unit 'slow'\n");
    expect(JSON.parse((await sync(dir.socket, "status", "slow", "-o", "json")).stdout).status).toBe(
      "pending",
    );
  });
});

describe("usage errors exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["an unknown flag", ["exp", "sync", "ping", "--bogus"], /^error: unknown flag: --bogus\n/],
    ["a missing argument", ["exp", "sync", "start"], /^error: missing argument <unit>\n/],
    ["a missing dependency", ["exp", "sync", "want", "a"], /^error: missing argument <depends-on>\n/],
    ["a surplus argument", ["exp", "sync", "complete", "a", "b"], /^error: unexpected argument "b"\n/],
    [
      "an argument after -- on a verb that takes none",
      ["exp", "sync", "complete", "a", "--", "extra"],
      /^error: unexpected argument "extra" after --\n/,
    ],
    [
      "an entrypoint flag on the agent without a command after --",
      ["agent", "--main-after", "db"],
      /^error: --main-after needs a command after --\n/,
    ],
    [
      "a flag without its value",
      ["exp", "sync", "start", "a", "--timeout"],
      /^error: flag --timeout needs a value\n/,
    ],
    [
      "a bad duration",
      ["exp", "sync", "start", "a", "--timeout", "5 minutes"],
      /^error: invalid duration "5 minutes"/,
    ],
    [
      "a bad output format",
      ["exp", "sync", "list", "-o", "yaml"],
      /^error: invalid value "yaml" for --output; choose from: table, json\n/,
    ],
    ["an unknown column", ["exp", "sync", "list", "-c", "nope"], /^error: unknown column "nope"/],
    ["an unknown verb", ["exp", "sync", "frobnicate"], /error: unknown command "frobnicate"/],
    ["no verb", ["exp", "sync"], /error: missing command after "unitsync exp sync"/],
  ];
  for (const [what, args, stderr] of cases) {
    test.concurrent(what, async () => {
      using dir = tempDir();
      // No agent is running: usage is checked before anything is sent.
      const result = await run([...args, "--socket-path", dir.socket]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(stderr);
      expect(result.stdout).toBe("");
    });
  }

  test.concurrent("--help explains a verb and exits 0", async () => {
    const result = await run(["exp", "sync", "start", "--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("USAGE");
    expect(result.stdout).toContain("unitsync exp sync start");
    expect(result.stdout).toContain("--timeout");
  });

  test.concurrent("--version prints the package version", async () => {
    const { version } = await Bun.file(new URL("../package.json", import.meta.url)).json();
    expect(await run(["--version"])).toEqual({ stdout: `${version}\n`, stderr: "", exitCode: 0 });
  });
});

describe("an unreachable agent exits 3 naming the socket and how to start one", () => {
  test.concurrent("no socket at the path", async () => {
    using dir = tempDir();
    for (const verb of [
      ["ping"],
      ["list"],
      ["status", "a"],
      ["want", "a", "b"],
      ["start", "a"],
      ["complete", "a"],
    ]) {
      const result = await sync(dir.socket, ...verb);
      expect({ verb, exitCode: result.exitCode, stdout: result.stdout }).toEqual({
        verb,
        exitCode: 3,
        stdout: "",
      });
      expect(result.stderr).toBe(
        `error: cannot reach the unitsync agent at ${dir.socket}: no socket there\n` +
          `hint: start one with: unitsync agent --socket-path ${dir.socket}\n`,
      );
    }
  });

  test.concurrent("a stale socket left by a killed agent", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    agent.proc.kill("SIGKILL");
    await agent.proc.exited;
    const result = await sync(dir.socket, "ping");
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`cannot reach the unitsync agent at ${dir.socket}: connection refused`);
  });
});
