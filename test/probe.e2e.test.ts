/**
 * `probe` end to end against the compiled binary: a unit that completes when a loopback port,
 * URL, file or command is ready, fails with the last error at its timeout (dependents then exit
 * 4), and stays bounded against an address that never answers.
 */
import { describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { join } from "node:path";
import { syncInBackground, untilWaiting } from "./_background.ts";
import { startAgent, sync, tempDir } from "./_helpers.ts";
import { blackHole, closedPort, httpServer } from "./_servers.ts";

/** The unit's status and reason, from `status -o json`. */
async function stateOf(socket: string, unit: string): Promise<{ status: string; reason?: string }> {
  const status = JSON.parse((await sync(socket, "status", unit, "-o", "json")).stdout);
  return { status: status.status, ...(status.reason !== undefined && { reason: status.reason }) };
}

describe("probe", () => {
  test.concurrent("completes the unit once the port opens, and its dependents start", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const port = await closedPort();
    const db = syncInBackground(
      dir.socket,
      "probe",
      "db",
      "--tcp",
      `127.0.0.1:${port}`,
      "--interval",
      "100ms",
    );
    const app = syncInBackground(dir.socket, "start", "app");
    await sync(dir.socket, "want", "app", "db");
    await db.saw(`Unit "db" is waiting for tcp:127.0.0.1:${port}: connection refused`);
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const result = await db.done;
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(
        new RegExp(
          `^Unit "db" started with no dependencies\nUnit "db" is waiting for tcp:127.0.0.1:${port}: connection refused\nUnit "db" completed: tcp:127.0.0.1:${port} is ready \\(\\d+ checks, [\\d.]+m?s\\)\n$`,
        ),
      );
      expect((await app.done).exitCode).toBe(0);
      expect(await stateOf(dir.socket, "db")).toEqual({ status: "completed" });
    } finally {
      server.close();
    }
  });

  test.concurrent("a port that never opens fails the unit at the timeout; its dependents exit 4", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const port = await closedPort();
    await sync(dir.socket, "want", "app", "db");
    const app = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);
    const started = performance.now();
    const db = await sync(dir.socket, "probe", "db", "--tcp", `127.0.0.1:${port}`, "--timeout", "1s");
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(db.exitCode).toBe(124);
    const reason = new RegExp(
      `^not ready after [\\d.]+s \\(\\d+ checks?\\): tcp:127.0.0.1:${port}: connection refused$`,
    );
    expect(db.stderr).toContain(`error: unit "db" not ready after`);
    expect(await stateOf(dir.socket, "db")).toEqual({
      status: "failed",
      reason: expect.stringMatching(reason),
    });
    const dependent = await app.done;
    expect(dependent.exitCode).toBe(4);
    expect(dependent.stderr).toContain("dependency failed: app -> db: db failed: not ready after");
  });

  test.concurrent("against an address that never answers, each check ends at its own deadline", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await using hole = await blackHole();
    const started = performance.now();
    const result = await sync(
      dir.socket,
      "probe",
      "db",
      "--tcp",
      `127.0.0.1:${hole.port}`,
      ...["--check-timeout", "300ms", "--interval", "100ms", "--timeout", "2s"],
    );
    // Without a deadline per check, one connect would hang for the kernel's ~2 minutes of SYN retries.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(124);
    const { reason } = await stateOf(dir.socket, "db");
    const checks = Number(/\((\d+) checks\)/.exec(reason ?? "")?.[1]);
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(reason).toMatch(/: tcp:127\.0\.0\.1:\d+: no answer within \d+ms$/);
    expect(result.stderr).toContain(
      `Unit "db" is waiting for tcp:127.0.0.1:${hole.port}: no answer within 300ms`,
    );
  });

  test.concurrent("--http, --file and --exec; the last error is the reason", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await using ok = httpServer(200);
    await using down = httpServer(503);
    const marker = join(dir.path, "ready");
    await Bun.write(marker, "");
    const results = await Promise.all([
      sync(dir.socket, "probe", "web", "--http", ok.url),
      sync(dir.socket, "probe", "sick", "--http", down.url, "--timeout", "1s"),
      sync(dir.socket, "probe", "flag", "--file", marker),
      sync(dir.socket, "probe", "cmd", "--exec", "test 1 -eq 1"),
      sync(dir.socket, "probe", "nope", "--exec", "echo 'not yet' >&2; exit 2", "--timeout", "1s"),
    ]);
    expect(results.map((result) => result.exitCode)).toEqual([0, 124, 0, 0, 124]);
    expect({
      web: await stateOf(dir.socket, "web"),
      flag: await stateOf(dir.socket, "flag"),
      cmd: await stateOf(dir.socket, "cmd"),
      sick: (await stateOf(dir.socket, "sick")).reason?.replace(
        /after .* \(\d+ checks?\)/,
        "after T (N checks)",
      ),
      nope: (await stateOf(dir.socket, "nope")).reason?.replace(
        /after .* \(\d+ checks?\)/,
        "after T (N checks)",
      ),
    }).toEqual({
      web: { status: "completed" },
      flag: { status: "completed" },
      cmd: { status: "completed" },
      sick: `not ready after T (N checks): ${down.url}: HTTP status 503 Service Unavailable`,
      nope: "not ready after T (N checks): exec:echo 'not yet' >&2; exit 2: exit status 2: not yet",
    });
  });

  test.concurrent("waits for its --want units (repeated or comma-separated) before checking", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const marker = join(dir.path, "ready");
    await Bun.write(marker, "");
    const probe = syncInBackground(dir.socket, "probe", "p", "--want", "a", "--want=b,c", "--file", marker);
    await probe.saw(`Unit "p" is waiting for dependencies to be satisfied: [a, b, c]`);
    // a, b and c are only named as dependencies so far: register and complete them.
    for (const unit of ["a", "b", "c"]) {
      await sync(dir.socket, "start", unit);
      await sync(dir.socket, "complete", unit);
    }
    const result = await probe.done;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`Unit "p" finished waiting for dependencies: [a, b, c]`);
    expect(result.stderr).toContain(`Unit "p" completed: file:${marker} is ready (1 check,`);
  });

  test.concurrent("SIGTERM while checking fails the unit and exits 143", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const port = await closedPort();
    const probe = syncInBackground(dir.socket, "probe", "db", "--tcp", `127.0.0.1:${port}`);
    await probe.saw("is waiting for tcp:");
    probe.proc.kill("SIGTERM");
    const result = await probe.done;
    expect(result.exitCode).toBe(143);
    expect(await stateOf(dir.socket, "db")).toEqual({
      status: "failed",
      reason: "interrupted by SIGTERM before it was ready",
    });
  });

  test.concurrent("bad flags are usage errors (exit 2) with one line and a hint", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const cases = {
      none: await sync(dir.socket, "probe", "u"),
      two: await sync(dir.socket, "probe", "u", "--tcp", "h:1", "--file", "/x"),
      badTcp: await sync(dir.socket, "probe", "u", "--tcp", "localhost"),
      badUrl: await sync(dir.socket, "probe", "u", "--http", "ftp://x/"),
      badInterval: await sync(dir.socket, "probe", "u", "--file", "/x", "--interval", "0"),
    };
    const firstLines = Object.fromEntries(
      Object.entries(cases).map(([name, result]) => [name, [result.exitCode, result.stderr.split("\n")[0]]]),
    );
    expect(firstLines).toEqual({
      none: [2, "error: missing condition: give one of --tcp, --http, --file, --exec"],
      two: [2, "error: give one condition, not --tcp and --file"],
      badTcp: [2, 'error: invalid probe "tcp:localhost": missing port'],
      badUrl: [2, 'error: invalid probe "ftp://x/"'],
      badInterval: [2, 'error: --interval must be more than 0, got "0"'],
    });
    // Nothing was registered by a refused call.
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });
});
