/**
 * Services (`# unitsync: ready=...`) and entrypoint mode (`agent --scripts DIR -- COMMAND`) end to
 * end against the compiled binary. The services listen on loopback ports picked at run time; each
 * script leaves marker files, so the tests can tell what ran, what was stopped and when.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { background } from "./_background.ts";
import { BIN, cleanEnv, processesWith, sync, tempDir, waitFor } from "./_helpers.ts";
import { closedPort } from "./_servers.ts";

/** A scripts directory and a markers directory, and the environment that names them (and a TCP server). */
function workspace(root: string) {
  const scripts = join(root, "d");
  const marks = join(root, "marks");
  mkdirSync(scripts);
  mkdirSync(marks);
  // `$LISTEN <port>` runs a TCP server on 127.0.0.1 in the foreground (Bun itself: no python or nc needed).
  const listen = join(root, "listen.ts");
  writeFileSync(
    listen,
    'Bun.listen({ hostname: "127.0.0.1", port: Number(process.argv[2]), socket: { data() {} } });\nconsole.log("listening");\n',
  );
  return {
    scripts,
    marks,
    env: { MARKS: marks, BIN, LISTEN: `${process.execPath} ${listen}` },
    ran: () => readdirSync(marks).sort(),
    add(name: string, body: string) {
      writeFileSync(join(scripts, name), `#!/bin/sh\n${body.trimStart()}`, { mode: 0o755 });
    },
  };
}

/** Every agent a test started, killed when the file's tests are done (a failed test must not leak one). */
const started = new Set<ReturnType<typeof background>>();
afterAll(() => {
  for (const proc of started) if (proc.proc.exitCode === null) proc.proc.kill("SIGKILL");
});

/** `unitsync agent --socket-path S <args>` in the background, with the workspace's environment. */
function agent(socket: string, env: Record<string, string>, ...args: string[]) {
  const dashes = args.indexOf("--");
  const before = dashes === -1 ? args : args.slice(0, dashes);
  const after = dashes === -1 ? [] : args.slice(dashes);
  const proc = background(["agent", "--socket-path", socket, ...before, ...after], { env });
  started.add(proc);
  return proc;
}

/** The agent's end, failing loudly (with what it printed, and the markers) if it is not there by the deadline. */
async function ended(
  proc: ReturnType<typeof agent>,
  marks: string,
  deadlineMs = 30_000,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state =
        proc.proc.exitCode === null ? "still running" : `exited ${proc.proc.exitCode}, output still open`;
      reject(
        new Error(
          `the agent did not end within ${deadlineMs} ms (${state}); markers: ${readdirSync(marks).join(", ")}; processes of the test still running: ${survivors(marks)}\n${proc.stderr()}`,
        ),
      );
    }, deadlineMs);
  });
  try {
    return await Promise.race([proc.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The processes started with this workspace's environment (its MARKS) that are still running, with
 * their command lines: what keeps the agent's output open when it has exited.
 */
function survivors(marks: string): string {
  return (
    processesWith(`MARKS=${marks}`)
      .map(({ pid, cmdline }) => `${pid} ${cmdline}`)
      .join("; ") || "none"
  );
}

/** The summary table's RESULT column by unit. */
/**
 * Waits for the whole summary: "startup scripts finished:" is one log line and the table another
 * write after it, so a test that read stderr at the first line could find no table yet.
 */
function summaryPrinted(proc: ReturnType<typeof agent>): Promise<unknown> {
  return waitFor("the scripts' summary table and its totals line", () =>
    /^UNIT\s+RESULT\s+WAITED\s+RAN$[\s\S]*\S in \S+$/m.test(proc.stderr()),
  );
}

function results(stderr: string): Record<string, string> {
  const lines = stderr.split("\n");
  const header = lines.findIndex((line) => /^UNIT\s+RESULT\s+WAITED\s+RAN$/.test(line));
  const rows: Record<string, string> = {};
  for (const line of lines.slice(header + 1)) {
    const match = /^(\S+)\s+(.+?)\s+\S+\s+\S+$/.exec(line);
    if (!match || / in \S+$/.test(line)) break;
    rows[match[1] as string] = match[2] as string;
  }
  return rows;
}

async function stateOf(socket: string, unit: string): Promise<{ status: string; reason?: string }> {
  const status = JSON.parse((await sync(socket, "status", unit, "-o", "json")).stdout);
  return { status: status.status, ...(status.reason !== undefined && { reason: status.reason }) };
}

describe("services in agent --scripts", () => {
  test.concurrent("a service completes its unit when its port answers and keeps running; SIGTERM stops it", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const port = await closedPort();
    ws.add(
      "db.sh",
      `# unitsync: ready=tcp:127.0.0.1:${port}
trap 'touch "$MARKS/db-stopped"; exit 0' TERM
touch "$MARKS/db-started"
$LISTEN ${port} &
wait
`,
    );
    ws.add("migrate.sh", '# unitsync: want=db\ntouch "$MARKS/migrate"\n');
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts);
    await summaryPrinted(proc);
    expect(results(proc.stderr())).toEqual({ db: "completed", migrate: "completed" });
    expect(proc.stderr()).toContain('service "db" is ready; it keeps running');
    expect(await stateOf(dir.socket, "db")).toEqual({ status: "completed" });
    // Still serving: the port answers, the unit stays completed.
    expect(ws.ran()).toEqual(["db-started", "migrate"]);
    proc.proc.kill("SIGTERM");
    const { exitCode } = await proc.done;
    expect(exitCode).toBe(0);
    expect(ws.ran()).toEqual(["db-started", "db-stopped", "migrate"]);
  });

  test.concurrent("a port that never opens fails the service at ready-timeout; dependents exit 4", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const port = await closedPort();
    ws.add(
      "db.sh",
      `# unitsync: ready=tcp:127.0.0.1:${port}
# unitsync: ready-timeout=1s
# unitsync: ready-interval=100ms
trap 'touch "$MARKS/db-stopped"; exit 0' TERM
sleep 60 & wait
`,
    );
    ws.add("migrate.sh", '# unitsync: want=db\ntouch "$MARKS/migrate"\n');
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts);
    await waitFor("the agent to answer", async () => (await sync(dir.socket, "ping")).exitCode === 0);
    // A client whose unit wants the service: it waits, then learns that db failed.
    await sync(dir.socket, "want", "web", "db");
    const web = await sync(dir.socket, "start", "web", "--timeout", "30s");
    expect(web.exitCode).toBe(4);
    expect(web.stderr).toMatch(
      new RegExp(
        `dependency failed: web -> db: db failed: not ready after [\\d.]+s \\(\\d+ checks?\\): tcp:127.0.0.1:${port}: connection refused`,
      ),
    );
    await summaryPrinted(proc);
    expect(results(proc.stderr())).toEqual({
      db: expect.stringMatching(
        /^failed \(not ready after [\d.]+s \(\d+ checks?\): tcp:127.0.0.1:\d+: connection refused\)$/,
      ),
      migrate: expect.stringMatching(
        /^not run \(dependency failed: migrate -> db: db failed: not ready after [\d.]+s/,
      ),
    });
    // The service that never got ready was stopped.
    await waitFor("db to be stopped", () => existsSync(join(ws.marks, "db-stopped")));
    proc.proc.kill("SIGTERM");
    await proc.done;
  });

  test.concurrent("a service that dies before it is ready fails its unit with its exit status", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const port = await closedPort();
    ws.add("db.sh", `# unitsync: ready=tcp:127.0.0.1:${port}\necho "config broken" >&2\nexit 3\n`);
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--exit-when-done");
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(1);
    expect(results(stderr)).toEqual({ db: "failed (exited before it was ready (exit status 3))" });
    expect(stderr).toContain("[db] config broken");
  });

  test.concurrent("ready=notify: the script completes its own unit and keeps running", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add(
      "worker.sh",
      `# unitsync: ready=notify
trap 'exit 0' TERM
touch "$MARKS/notified"
"$BIN" exp sync complete "$UNITSYNC_UNIT"
sleep 60 & wait
`,
    );
    ws.add("after.sh", '# unitsync: want=worker\ntouch "$MARKS/after"\n');
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--exit-when-done");
    const { exitCode, stderr } = await ended(proc, ws.marks);
    // --exit-when-done: the startup is over once the service is ready; the service is then stopped.
    expect(exitCode).toBe(0);
    expect(results(stderr)).toEqual({ worker: "completed", after: "completed" });
    expect(ws.ran()).toEqual(["after", "notified"]);
  });

  test.concurrent("may-exit: a script that starts a daemon and exits 0 is ready when its probe passes", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const ready = join(ws.marks, "daemon.ready");
    ws.add(
      "daemon.sh",
      `# unitsync: ready=file:${ready}
# unitsync: may-exit
( sleep 0.3; touch "${ready}" ) &
exit 0
`,
    );
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--exit-when-done");
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(0);
    expect(results(stderr)).toEqual({ daemon: "completed" });
    expect(stderr).toContain('service "daemon": its script exited 0; waiting for file readiness (may-exit)');
  });

  test.concurrent("headers are checked before anything runs", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add("db.sh", '# unitsync: ready=tcp:localhost\ntouch "$MARKS/db"\n');
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts);
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`${join(ws.scripts, "db.sh")}:2: invalid probe "tcp:localhost": missing port`);
    expect(ws.ran()).toEqual([]);
  });
});

describe("entrypoint mode: agent --scripts DIR -- COMMAND", () => {
  test.concurrent("runs the command once the units completed, with the socket serving; exits with its status", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const port = await closedPort();
    ws.add(
      "db.sh",
      `# unitsync: ready=tcp:127.0.0.1:${port}\ntrap 'touch "$MARKS/db-stopped"; exit 0' TERM\n$LISTEN ${port} &\nwait\n`,
    );
    ws.add("seed.sh", '# unitsync: want=db\ntouch "$MARKS/seed"\n');
    const main = `test -e "$MARKS/seed" || exit 99; "$BIN" exp sync status db > "$MARKS/main-saw"; exit 3`;
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--", "sh", "-c", main);
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(3);
    expect(readFileSync(join(ws.marks, "main-saw"), "utf8")).toContain("Status: completed");
    expect(stderr).toContain("main command exited (exit status 3)");
    // The services were stopped when the main command exited.
    expect(ws.ran()).toEqual(["db-stopped", "main-saw", "seed"]);
    expect(existsSync(dir.socket)).toBe(false);
  });

  test.concurrent("a failed unit keeps the command from starting (exit 1), unless --main-anyway", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add("broken.sh", "exit 2\n");
    ws.add("fine.sh", 'touch "$MARKS/fine"\n');
    const main = ["sh", "-c", 'touch "$MARKS/main"'];
    const refused = await ended(agent(dir.socket, ws.env, "--scripts", ws.scripts, "--", ...main), ws.marks);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('not starting the main command: unit "broken" did not complete');
    expect(ws.ran()).toEqual(["fine"]);

    const anyway = await ended(
      agent(dir.socket, ws.env, "--scripts", ws.scripts, "--main-anyway", "--", ...main),
      ws.marks,
    );
    expect(anyway.exitCode).toBe(0);
    expect(ws.ran()).toEqual(["fine", "main"]);
  });

  test.concurrent("--main-after starts the command once those units completed, while others still run", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add("quick.sh", 'touch "$MARKS/quick"\n');
    ws.add("slow.sh", 'while [ ! -e "$MARKS/main" ]; do sleep 0.05; done\ntouch "$MARKS/slow"\n');
    const main = ["sh", "-c", 'touch "$MARKS/main"; while [ ! -e "$MARKS/slow" ]; do sleep 0.05; done'];
    const result = await ended(
      agent(dir.socket, ws.env, "--scripts", ws.scripts, "--main-after", "quick", "--", ...main),
      ws.marks,
    );
    expect(result.exitCode).toBe(0);
    expect(ws.ran()).toEqual(["main", "quick", "slow"]);
  });

  test.concurrent("SIGTERM during the command goes to it; services are stopped; its status is the agent's", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add(
      "svc.sh",
      '# unitsync: ready=notify\ntrap \'touch "$MARKS/svc-stopped"; exit 0\' TERM\n"$BIN" exp sync complete "$UNITSYNC_UNIT"\nsleep 60 & wait\n',
    );
    // Short sleeps, not one long one: an orphaned sleep holds the agent's stdout, and so this test's
    // read. With `sleep 60 & wait` and `kill $!` in the trap, a TERM that lands while the shell forks
    // the sleep can be lost in the child, and a full run under load once waited 30 s on one.
    const main = `trap 'touch "$MARKS/main-got-term"; exit 7' TERM; touch "$MARKS/main-up"; while :; do sleep 0.1; done`;
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--", "sh", "-c", main);
    await waitFor("the main command to run", () => existsSync(join(ws.marks, "main-up")));
    proc.proc.kill("SIGTERM");
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(7);
    expect(stderr).toContain("received SIGTERM; passing it on to the main command");
    expect(ws.ran()).toEqual(["main-got-term", "main-up", "svc-stopped"]);
  });

  test.concurrent("a service that exits while the command runs stops it (exit 1), unless may-exit", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add(
      "svc.sh",
      `# unitsync: ready=notify
"$BIN" exp sync complete "$UNITSYNC_UNIT"
while [ ! -e "$MARKS/main-up" ]; do sleep 0.05; done
exit 5
`,
    );
    // Short sleeps: see "SIGTERM during the command" above.
    const main = `trap 'touch "$MARKS/main-stopped"; exit 0' TERM; touch "$MARKS/main-up"; while :; do sleep 0.1; done`;
    const proc = agent(dir.socket, ws.env, "--scripts", ws.scripts, "--", "sh", "-c", main);
    const { exitCode, stderr } = await ended(proc, ws.marks);
    expect(exitCode).toBe(1);
    expect(stderr).toContain('service "svc" exited (exit status 5); stopping the main command');
    expect(ws.ran()).toEqual(["main-stopped", "main-up"]);
  });

  test.concurrent("a may-exit service that exits while the command runs is only logged", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    ws.add(
      "svc.sh",
      `# unitsync: ready=notify
# unitsync: may-exit
echo $$ > "$MARKS/svc.pid"
"$BIN" exp sync complete "$UNITSYNC_UNIT"
while [ ! -e "$MARKS/main-up" ]; do sleep 0.05; done
exit 5
`,
    );
    // It ends once the service is gone (reaped by the agent), so the agent has seen that exit first.
    const main = `touch "$MARKS/main-up"; while kill -0 "$(cat "$MARKS/svc.pid")" 2>/dev/null; do sleep 0.05; done; exit 9`;
    const { exitCode, stderr } = await ended(
      agent(dir.socket, ws.env, "--scripts", ws.scripts, "--", "sh", "-c", main),
      ws.marks,
    );
    expect(exitCode).toBe(9);
    expect(stderr).toContain(
      'service "svc" exited after it was ready (exit status 5); it may exit (may-exit)',
    );
  });

  test.concurrent("without scripts, the command runs at once; a missing command exits 127", async () => {
    using dir = tempDir();
    const ok = await background(["agent", "--socket-path", dir.socket, "--", "sh", "-c", "exit 4"], {}).done;
    expect(ok.exitCode).toBe(4);
    const missing = await background(["agent", "--socket-path", dir.socket, "--", "no-such-command-xyz"], {})
      .done;
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("command not found: no-such-command-xyz");
  });

  test.concurrent("nothing after -- is a plain agent; --main-after without a command is a usage error", async () => {
    using dir = tempDir();
    // `ENTRYPOINT [..., "--"]` with an empty CMD: the agent serves until it is stopped.
    const plain = background(["agent", "--socket-path", dir.socket, "--"], {});
    await plain.saw("agent listening on");
    expect((await sync(dir.socket, "ping")).exitCode).toBe(0);
    plain.proc.kill("SIGTERM");
    expect((await plain.done).exitCode).toBe(0);
    const after = await background(["agent", "--socket-path", dir.socket, "--main-after", "db"], {}).done;
    expect([after.exitCode, after.stderr.split("\n")[0]]).toEqual([
      2,
      "error: --main-after needs a command after --",
    ]);
  });
});

describe("entrypoint mode as PID 1", () => {
  const unshare = Bun.which("unshare");
  const canUnshare =
    process.getuid?.() === 0 &&
    unshare !== null &&
    Bun.spawnSync([unshare, "--pid", "--fork", "--mount-proc", "true"]).exitCode === 0;

  test.skipIf(!canUnshare)(
    "reaps orphans and exits with the command's status (in a PID namespace)",
    async () => {
      using dir = tempDir();
      const ws = workspace(dir.path);
      // The main command leaves orphans behind; as PID 1 the agent must reap them, not leave zombies.
      const main = `( sleep 0.2 & ); ( sleep 0.2 & ); sleep 0.6; cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == "Z"' | wc -l > "$MARKS/zombies"; exit 6`;
      const proc = Bun.spawn(
        [
          unshare as string,
          "--pid",
          "--fork",
          "--mount-proc",
          BIN,
          "agent",
          "--socket-path",
          dir.socket,
          "--",
          "sh",
          "-c",
          main,
        ],
        { env: cleanEnv(ws.env), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
      );
      const [, stderr, exitCode] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(exitCode).toBe(6);
      expect(stderr).toContain("running as PID 1: reaping orphaned processes");
      expect(readFileSync(join(ws.marks, "zombies"), "utf8").trim()).toBe("0");
    },
  );
});
