/**
 * `run` end to end: declare + wait + run the command + complete or fail by its exit status, with
 * the command's stdout kept clean, signals forwarded, and a dependency failure or timeout keeping
 * the command from running at all.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { syncInBackground, untilWaiting } from "./_background.ts";
import { run, startAgent, sync, tempDir } from "./_helpers.ts";

/** The unit's status and reason, from `status -o json`. */
async function stateOf(socket: string, unit: string): Promise<{ status: string; reason?: string }> {
  const status = JSON.parse((await sync(socket, "status", unit, "-o", "json")).stdout);
  return { status: status.status, ...(status.reason !== undefined && { reason: status.reason }) };
}

function runUnit(socket: string, unit: string, ...rest: string[]) {
  const dashes = rest.indexOf("--");
  return run([
    "exp",
    "sync",
    "run",
    unit,
    ...rest.slice(0, dashes),
    "--socket-path",
    socket,
    ...rest.slice(dashes),
  ]);
}

describe("run", () => {
  test.concurrent("runs the command, keeps its stdout clean, completes the unit on exit 0", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await runUnit(dir.socket, "greet", "--", "sh", "-c", 'echo "hello from $UNITSYNC_UNIT"');
    expect(result).toEqual({
      stdout: "hello from greet\n",
      stderr: 'Unit "greet" started with no dependencies\nUnit "greet" completed\n',
      exitCode: 0,
    });
    expect(await stateOf(dir.socket, "greet")).toEqual({ status: "completed" });
  });

  test.concurrent("the command inherits stdin and the environment", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await run(
      ["exp", "sync", "run", "echo", "--socket-path", dir.socket, "--", "sh", "-c", 'cat; echo "$GREETING"'],
      { stdin: "from stdin\n", env: { GREETING: "from env" } },
    );
    expect(result.stdout).toBe("from stdin\nfrom env\n");
    expect(result.exitCode).toBe(0);
  });

  test.concurrent("--want, repeated and comma-separated, declares the dependencies and waits for them", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const app = syncInBackground(
      dir.socket,
      "run",
      "app",
      "--want",
      "db",
      "--want=cache,queue",
      "--",
      "echo",
      "up",
    );
    await untilWaiting(dir.socket, 1);
    const status = JSON.parse((await sync(dir.socket, "status", "app", "-o", "json")).stdout);
    expect(status.dependencies.map((dep: { depends_on: string }) => dep.depends_on)).toEqual([
      "cache",
      "db",
      "queue",
    ]);
    expect(app.stdout()).toBe("");

    for (const dep of ["db", "cache", "queue"]) await runUnit(dir.socket, dep, "--", "true");
    expect(await app.done).toEqual({
      stdout: "up\n",
      stderr:
        'Unit "app" is waiting for dependencies to be satisfied: [cache, db, queue]\n' +
        'Unit "app" finished waiting for dependencies: [cache, db, queue]\n' +
        'Unit "app" completed\n',
      exitCode: 0,
    });
  });

  test.concurrent("passes a non-zero exit status through and fails the unit with it", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await runUnit(dir.socket, "db-setup", "--", "sh", "-c", "exit 3");
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toEndWith('Unit "db-setup" failed: exit status 3\n');
    expect(await stateOf(dir.socket, "db-setup")).toEqual({ status: "failed", reason: "exit status 3" });

    // ...and the failure reaches the unit's dependents.
    const dependent = await runUnit(dir.socket, "my-app", "--want", "db-setup", "--", "true");
    expect(dependent.exitCode).toBe(4);
    expect(dependent.stderr).toBe(
      "error: dependency failed: my-app -> db-setup: db-setup failed: exit status 3\n",
    );
  });

  test.concurrent("forwards SIGTERM to the command and fails the unit with the signal", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    // exec: the signal goes to sleep itself, not to a shell that would leave it running.
    const proc = syncInBackground(dir.socket, "run", "server", "--", "sh", "-c", "echo ready; exec sleep 60");
    await proc.saw("ready");
    proc.proc.kill("SIGTERM");
    const result = await proc.done;
    expect(result.exitCode).toBe(128 + 15);
    expect(result.stderr).toEndWith('Unit "server" failed: killed by SIGTERM\n');
    expect(await stateOf(dir.socket, "server")).toEqual({ status: "failed", reason: "killed by SIGTERM" });
  });

  test.concurrent("a command that handles the signal and exits 0 completes the unit", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const script = 'trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.05; done';
    const proc = syncInBackground(dir.socket, "run", "graceful", "--", "sh", "-c", script);
    await proc.saw("ready");
    proc.proc.kill("SIGTERM");
    const result = await proc.done;
    expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({
      exitCode: 0,
      stdout: "ready\nbye\n",
    });
    expect(await stateOf(dir.socket, "graceful")).toEqual({ status: "completed" });
  });

  test.concurrent("a dependency failure while waiting: exit 4, the command never runs, the unit fails", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const marker = join(dir.path, "ran");
    const app = syncInBackground(dir.socket, "run", "app", "--want", "db", "--", "touch", marker);
    await untilWaiting(dir.socket, 1);
    await sync(dir.socket, "fail", "db", "--reason", "exit status 2");

    const result = await app.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toEndWith("error: dependency failed: app -> db: db failed: exit status 2\n");
    expect(existsSync(marker)).toBe(false);
    expect(await stateOf(dir.socket, "app")).toEqual({
      status: "failed",
      reason: "dependency failed: app -> db: db failed: exit status 2",
    });
  });

  test.concurrent("a dependency that failed before: exit 4 at once, the command never runs", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const marker = join(dir.path, "ran");
    await sync(dir.socket, "fail", "db");
    const result = await runUnit(dir.socket, "app", "--want", "db", "--", "touch", marker);
    expect(result).toEqual({
      stdout: "",
      stderr: "error: dependency failed: app -> db: db failed\n",
      exitCode: 4,
    });
    expect(existsSync(marker)).toBe(false);
    expect((await stateOf(dir.socket, "app")).status).toBe("failed");
  });

  test.concurrent("a timeout: exit 124, the command never runs, the unit fails", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const marker = join(dir.path, "ran");
    const result = await runUnit(
      dir.socket,
      "slow",
      "--want",
      "never",
      "--timeout",
      "300ms",
      "--",
      "touch",
      marker,
    );
    expect(result).toEqual({
      stdout: "",
      stderr:
        'Unit "slow" is waiting for dependencies to be satisfied: [never]\n' +
        "error: timeout waiting for dependencies of unit 'slow'\n",
      exitCode: 124,
    });
    expect(existsSync(marker)).toBe(false);
    expect(await stateOf(dir.socket, "slow")).toEqual({
      status: "failed",
      reason: "timeout waiting for dependencies",
    });
  });

  test.concurrent("a command that is not found: exit 127 and the unit fails", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await runUnit(dir.socket, "typo", "--", "no-such-command-for-unitsync");
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toEndWith("error: command not found: no-such-command-for-unitsync\n");
    expect(await stateOf(dir.socket, "typo")).toEqual({
      status: "failed",
      reason: "command not found: no-such-command-for-unitsync",
    });
  });

  test.concurrent("a failed unit is retried by running it again", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect((await runUnit(dir.socket, "flaky", "--", "false")).exitCode).toBe(1);
    expect((await runUnit(dir.socket, "flaky", "--", "true")).exitCode).toBe(0);
    expect(await stateOf(dir.socket, "flaky")).toEqual({ status: "completed" });
  });

  test.concurrent("usage errors exit 2 and register nothing", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const cases: [string[], string][] = [
      [["run", "app"], "error: missing command: put it after --\n"],
      [["run", "app", "echo", "hi"], 'error: unexpected argument "echo": put the command after --\n'],
      [["run", "--", "echo", "hi"], "error: missing argument <unit>\n"],
    ];
    for (const [args, error] of cases) {
      const result = await sync(dir.socket, ...args);
      expect({ exitCode: result.exitCode, error: result.stderr.split("\n")[0] }).toEqual({
        exitCode: 2,
        error: error.trimEnd(),
      });
    }
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });
});
