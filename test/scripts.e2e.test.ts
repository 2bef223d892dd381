/**
 * `unitsync agent --scripts`: the agent runs startup scripts as units, ordered by their headers.
 * Every script leaves a marker file when it runs, so the tests can tell what ran and what never did.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, cleanEnv, run, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";

/** Writes an executable `#!/bin/sh` script. */
function script(dir: string, name: string, body: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body.trimStart()}`, { mode });
  return path;
}

/** A scripts directory, a markers directory, and the environment that tells the scripts where they are. */
function workspace(root: string) {
  const scripts = join(root, "d");
  const marks = join(root, "marks");
  mkdirSync(scripts);
  mkdirSync(marks);
  return {
    scripts,
    marks,
    env: { MARKS: marks, BIN },
    ran: () => readdirSync(marks).sort(),
  };
}

/** An agent process whose stderr is collected as it arrives. */
function spawnAgent(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([BIN, "agent", ...args], {
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  const stdout = new Response(proc.stdout).text();
  return {
    proc,
    stderr: () => stderr,
    /** Exit code and full output, once the agent has exited. */
    finished: async () => {
      const [exitCode, out] = await Promise.all([proc.exited, stdout, drained]);
      return { exitCode, stdout: out, stderr };
    },
  };
}

/** The summary table's rows by unit: [result, waited, ran]. */
function summaryRows(stderr: string): Record<string, string[]> {
  const lines = stderr.split("\n");
  const header = lines.findIndex((line) => /^UNIT\s+RESULT\s+WAITED\s+RAN$/.test(line));
  expect(header).toBeGreaterThan(-1);
  const rows: Record<string, string[]> = {};
  for (const line of lines.slice(header + 1)) {
    const cells = line.split(/\s{2,}/);
    if (cells.length !== 4) break;
    rows[cells[0] as string] = cells.slice(1);
  }
  return rows;
}

function results(stderr: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(summaryRows(stderr)).map(([unit, cells]) => [unit, cells[0] ?? ""]),
  );
}

/** Whether a process is alive (a zombie is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("agent --scripts --exit-when-done", () => {
  test("runs a diamond in dependency order; a failed branch's dependents never run; logs and summary", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(
      ws.scripts,
      "base.sh",
      `
echo "base is $UNITSYNC_UNIT at $UNITSYNC_SOCKET_PATH"
touch "$MARKS/base"
printf 'no newline at the end'
`,
    );
    script(
      ws.scripts,
      "left.sh",
      `
# unitsync: want=base
test -f "$MARKS/base" || exit 9
touch "$MARKS/left"
echo "left says hi on stderr" >&2
`,
    );
    script(
      ws.scripts,
      "right",
      `
# unitsync: unit=myorg.right
# unitsync: want=base
test -f "$MARKS/base" || exit 9
"$BIN" exp sync status "$UNITSYNC_UNIT" | head -2
touch "$MARKS/right"
`,
    );
    script(
      ws.scripts,
      "top.sh",
      `
# unitsync: want=left, myorg.right
test -f "$MARKS/left" && test -f "$MARKS/right" || exit 9
touch "$MARKS/top"
`,
    );
    script(
      ws.scripts,
      "broken.sh",
      `
# unitsync: want=base
touch "$MARKS/broken"
echo "broken: giving up" >&2
exit 3
`,
    );
    script(ws.scripts, "after-broken.sh", '# unitsync: want=broken\ntouch "$MARKS/after-broken"\n');
    // Never run: a backup copy, a hidden file, and a file that is not executable (with a warning).
    script(ws.scripts, "top.sh~", 'touch "$MARKS/backup"\n');
    script(ws.scripts, ".hidden.sh", 'touch "$MARKS/hidden"\n');
    script(ws.scripts, "README", "notes\n", 0o644);

    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done"],
      {
        env: ws.env,
      },
    );
    expect(result.exitCode).toBe(1);
    expect(ws.ran()).toEqual(["base", "broken", "left", "right", "top"]);

    const logDir = join(dir.path, "agent-logs");
    expect(statSync(logDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(logDir).sort()).toEqual([
      "base.log",
      "broken.log",
      "left.log",
      "myorg.right.log",
      "top.log",
    ]);
    expect(statSync(join(logDir, "base.log")).mode & 0o777).toBe(0o600);
    const log = (unit: string) => readFileSync(join(logDir, `${unit}.log`), "utf8");
    expect(log("base")).toBe(`base is base at ${dir.socket}\nno newline at the end`);
    expect(log("left")).toBe("left says hi on stderr\n");
    expect(log("broken")).toBe("broken: giving up\n");
    expect(log("myorg.right")).toBe("Unit: myorg.right\nStatus: started\n");

    const lines = result.stderr.split("\n");
    expect(lines).toContain(`[base] base is base at ${dir.socket}`);
    expect(lines).toContain("[base] no newline at the end");
    expect(lines).toContain("[left] left says hi on stderr");
    expect(lines).toContain("[myorg.right] Status: started");
    expect(lines).toContain("[broken] broken: giving up");
    expect(result.stderr).toContain(`skipping ${join(ws.scripts, "README")}: not executable`);
    expect(result.stderr).not.toContain("top.sh~");
    expect(result.stderr).not.toContain(".hidden.sh");

    expect(results(result.stderr)).toEqual({
      base: "completed",
      left: "completed",
      "myorg.right": "completed",
      top: "completed",
      broken: "failed (exit status 3)",
      "after-broken": "not run (dependency failed: after-broken -> broken: broken failed: exit status 3)",
    });
    expect(summaryRows(result.stderr)["after-broken"]?.[2]).toBe("-");
    expect(result.stderr).toMatch(/\n4 completed, 1 failed, 1 not run in \d/);
    expect(existsSync(dir.socket)).toBe(false);
  });

  // A dependency waits (with a deadline) until the shell forked for its dependent is there, so the
  // dependent is started through it: it must run exactly as a script spawned on its own would.
  const waitForFork = (path: string) =>
    `for i in $(seq 1 250); do grep -qsF "${path}" /proc/[0-9]*/cmdline && break; sleep 0.02; done\n`;

  test("a script forked ahead of its start runs as if spawned then: environment, stdin, process group, output, log", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const b = join(ws.scripts, "b.sh");
    script(ws.scripts, "a.sh", `${waitForFork(b)}touch "$MARKS/a"\n`);
    script(
      ws.scripts,
      "b.sh",
      [
        "# unitsync: want=a",
        'test -f "$MARKS/a" || exit 9',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's parameter expansion
        'echo "unit=$UNITSYNC_UNIT socket=${UNITSYNC_SOCKET_PATH:+set}"',
        'if read -r line; then echo "stdin: data"; else echo "stdin: end of file"; fi',
        'echo "group leader: $(test "$(cut -d\' \' -f5 /proc/$$/stat)" = $$ && echo yes)"',
        'echo "argv0=$0"',
        "",
      ].join("\n"),
    );
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done"],
      {
        env: ws.env,
      },
    );
    expect(result.exitCode).toBe(0);
    const lines = ["unit=b socket=set", "stdin: end of file", "group leader: yes", `argv0=${b}`];
    for (const line of lines) expect(result.stderr).toContain(`[b] ${line}\n`);
    expect(readFileSync(join(dir.path, "agent-logs", "b.log"), "utf8")).toBe(`${lines.join("\n")}\n`);
  });

  test("scripts that will never run leave no forked process behind (a failed dependency, a timeout)", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const b = join(ws.scripts, "b.sh");
    const d = join(ws.scripts, "d.sh");
    script(ws.scripts, "a.sh", `${waitForFork(b)}exit 3\n`);
    script(ws.scripts, "b.sh", '# unitsync: want=a\ntouch "$MARKS/b"\n');
    script(ws.scripts, "c.sh", `${waitForFork(d)}sleep 30\n`);
    script(ws.scripts, "d.sh", '# unitsync: want=c\ntouch "$MARKS/d"\n');
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done", "--timeout", "2s"],
      { env: ws.env },
    );
    expect(result.exitCode).toBe(124);
    expect(results(result.stderr)).toEqual({
      a: "failed (exit status 3)",
      b: "not run (dependency failed: b -> a: a failed: exit status 3)",
      c: "timeout",
      d: "timeout",
    });
    expect(ws.ran()).toEqual([]);
    // Whatever still mentions the never-run scripts once the agent has exited.
    const left = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
          return (cmdline.includes(b) || cmdline.includes(d)) && alive(Number(pid));
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  });

  test("`--scripts .` runs the scripts of the current directory (a bare file name is not looked up in $PATH)", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "a.sh", 'touch "$MARKS/a"\n');
    script(ws.scripts, "b.sh", '# unitsync: want=a\ntouch "$MARKS/b"\n');
    const result = await run(["agent", "--socket-path", dir.socket, "--scripts", ".", "--exit-when-done"], {
      env: ws.env,
      cwd: ws.scripts,
    });
    expect(result.stderr).not.toContain("cannot execute");
    expect(result.exitCode).toBe(0);
    expect(ws.ran()).toEqual(["a", "b"]);
  });

  test("exits 0 when every script completes; --script is repeatable and --log-dir moves the logs", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    const one = script(join(dir.path, "x"), "one.sh", 'echo one; touch "$MARKS/one"\n');
    const two = script(join(dir.path, "y"), "two.sh", '# unitsync: want=one\necho two; touch "$MARKS/two"\n');
    const logDir = join(dir.path, "custom", "logs");
    const result = await run(
      [
        "agent",
        "--socket-path",
        dir.socket,
        "--script",
        one,
        `--script=${two}`,
        "--log-dir",
        logDir,
        "--exit-when-done",
      ],
      { env: ws.env },
    );
    expect(result.exitCode).toBe(0);
    expect(ws.ran()).toEqual(["one", "two"]);
    expect(readdirSync(logDir).sort()).toEqual(["one.log", "two.log"]);
    expect(results(result.stderr)).toEqual({ one: "completed", two: "completed" });
  });

  test("the log: `[info]`/`[warn]` lines off a terminal, script output as `[unit] line`, in order", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "one.sh", "echo 100% done\n");
    script(ws.scripts, "two.sh", "# unitsync: want=one\nexit 3\n");
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done"],
      // FORCE_COLOR: the lines stay plain (console.error would colour them red).
      { env: { ...ws.env, FORCE_COLOR: "1" } },
    );
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.split("\n");
    const at = (line: string) => {
      const index = lines.indexOf(line);
      if (index === -1) throw new Error(`no line ${JSON.stringify(line)} in:\n${result.stderr}`);
      return index;
    };
    // The same lines as consola's basic reporter, which is no longer loaded off a terminal.
    expect(at(`[info] running 2 scripts; logs in ${join(dir.path, "agent-logs")}`)).toBeLessThan(
      at('[info] unit "one" started'),
    );
    expect(at('[info] unit "one" started')).toBeLessThan(at("[one] 100% done"));
    expect(at("[one] 100% done")).toBeLessThan(at('[info] unit "one" completed'));
    expect(at('[warn] unit "two" failed: exit status 3')).toBeLessThan(
      at("[info] startup scripts finished:"),
    );
    expect(lines.at(-2)).toBe("[info] agent stopped");
  });

  const hasScript = Bun.which("script") !== null;
  test.skipIf(!hasScript)("the log on a terminal goes through consola's fancy reporter", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "one.sh", "echo hello\n");
    const proc = Bun.spawn(
      [
        "script",
        "-qfec",
        `${BIN} agent --socket-path ${dir.socket} --scripts ${ws.scripts} --exit-when-done`,
        "/dev/null",
      ],
      { env: cleanEnv(ws.env), stdin: "pipe", stdout: "pipe", stderr: "pipe" },
    );
    const [screen, , code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect(code).toBe(0);
    expect(screen).toContain('unit "one" completed');
    expect(screen).toContain("[one] hello");
    expect(screen).not.toContain("[info]");
    expect(screen).not.toContain("\x1b[31m");
  });

  test("a script may complete its own unit early through the socket, letting its dependents go ahead", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    // db says it is ready, then keeps running until app has run: without the early complete, a deadlock.
    script(
      ws.scripts,
      "db.sh",
      `
"$BIN" exp sync complete "$UNITSYNC_UNIT"
while [ ! -f "$MARKS/app" ]; do sleep 0.05; done
touch "$MARKS/db-done"
`,
    );
    script(ws.scripts, "app.sh", '# unitsync: want=db\ntouch "$MARKS/app"\n');
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done", "--timeout", "30s"],
      { env: ws.env },
    );
    expect(result.exitCode).toBe(0);
    expect(ws.ran()).toEqual(["app", "db-done"]);
    expect(results(result.stderr)).toEqual({ db: "completed", app: "completed" });
  });

  test("--timeout stops the scripts still running, fails their units and the waiting ones, exits 124", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "quick.sh", 'touch "$MARKS/quick"\n');
    script(ws.scripts, "hang.sh", 'touch "$MARKS/hang"\nsleep 300\n');
    script(ws.scripts, "after-hang.sh", '# unitsync: want=hang\ntouch "$MARKS/after-hang"\n');
    const started = performance.now();
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done", "--timeout", "1s"],
      { env: ws.env },
    );
    expect(result.exitCode).toBe(124);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(ws.ran()).toEqual(["hang", "quick"]);
    expect(results(result.stderr)).toEqual({ quick: "completed", hang: "timeout", "after-hang": "timeout" });
    expect(summaryRows(result.stderr)["after-hang"]?.[2]).toBe("-");
    expect(result.stderr).toContain('unit "hang" failed: timeout');
  });

  test("header mistakes are all reported before anything runs (exit 2, no socket)", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "a.sh", '# unitsync: wnat=b\ntouch "$MARKS/a"\n');
    script(ws.scripts, "b.sh", '# unitsync: want=c\ntouch "$MARKS/b"\n');
    script(ws.scripts, "c.sh", '# unitsync: want=b\ntouch "$MARKS/c"\n');
    script(ws.scripts, "d.sh", '# unitsync: want=nowhere\ntouch "$MARKS/d"\n');
    script(ws.scripts, "e.sh", 'touch "$MARKS/e"\n');
    script(ws.scripts, "f.sh", '# unitsync: unit=e\ntouch "$MARKS/f"\n');
    const result = await run(
      ["agent", "--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done"],
      {
        env: ws.env,
      },
    );
    const path = (name: string) => join(ws.scripts, name);
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: [
        `error: ${path("a.sh")}:2: unknown key "wnat"; the keys are unit, want, want-started, target, before, ready, ready-timeout, ready-interval, may-exit`,
        `error: ${path("f.sh")}: unit "e" is already provided by ${path("e.sh")}; unit names must be unique`,
        `error: ${path("d.sh")}: wants "nowhere", which no script provides, so "d" could never run`,
        `error: ${path("c.sh")}: cycle detected: c -> b -> c`,
        "error: 4 problems in the startup scripts; nothing was run",
        "",
      ].join("\n"),
    });
    expect(ws.ran()).toEqual([]);
    expect(existsSync(dir.socket)).toBe(false);
  });

  test("usage errors: flags that need scripts, a missing directory, a file that is not executable", async () => {
    using dir = tempDir();
    const notExecutable = script(dir.path, "plain.sh", "echo\n", 0o644);
    const cases = [
      [["--exit-when-done"], "error: --exit-when-done needs --scripts DIR or --script FILE"],
      [["--timeout", "5s"], "error: --timeout needs --scripts DIR or --script FILE"],
      [
        ["--scripts", join(dir.path, "nope")],
        `error: ${join(dir.path, "nope")}: cannot read the scripts directory: no such directory`,
      ],
      [["--script", notExecutable], `error: ${notExecutable}: not executable`],
    ] as const;
    for (const [args, message] of cases) {
      const result = await run(["agent", "--socket-path", dir.socket, ...args]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.split("\n")[0]).toBe(message);
    }
    expect(existsSync(dir.socket)).toBe(false);
  });
});

describe("agent --scripts, serving", () => {
  test("keeps serving after the scripts finish: later exp sync calls see their units", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "setup.sh", 'echo done; touch "$MARKS/setup"\n');
    await using agent = await startAgent(dir.socket, ["--scripts", ws.scripts], ws.env);
    await waitFor("the summary", () => agent.log().includes("1 completed in"));
    expect(await sync(dir.socket, "start", "later", "--timeout", "5s")).toMatchObject({
      exitCode: 0,
      stdout: 'Unit "later" started with no dependencies\n',
    });
    await sync(dir.socket, "want", "app", "setup");
    expect(await sync(dir.socket, "start", "app")).toMatchObject({
      exitCode: 0,
      stdout: 'Unit "app" started immediately, dependencies already satisfied: [setup]\n',
    });
    expect(agent.proc.exitCode).toBeNull();
  });

  test(
    "SIGTERM mid-run: scripts' process groups get TERM, then KILL after the grace period; socket removed; exit 0",
    async () => {
      using dir = tempDir();
      const ws = workspace(dir.path);
      script(
        ws.scripts,
        "slow.sh",
        `
trap 'touch "$MARKS/slow-term"; exit 0' TERM
sleep 300 &
echo $! >"$MARKS/slow-child"
touch "$MARKS/slow-started"
wait
`,
      );
      // Ignores TERM (and so does its sleep, which inherits the disposition): only SIGKILL stops it.
      script(
        ws.scripts,
        "stubborn.sh",
        `trap '' TERM\ntouch "$MARKS/stubborn-started"\nwhile :; do sleep 1; done\n`,
      );
      script(ws.scripts, "waiter.sh", '# unitsync: want=slow\ntouch "$MARKS/waiter"\n');
      const agent = spawnAgent(["--socket-path", dir.socket, "--scripts", ws.scripts], ws.env);
      await waitFor(
        "both scripts to start",
        () => existsSync(join(ws.marks, "slow-started")) && existsSync(join(ws.marks, "stubborn-started")),
      );
      const child = Number(readFileSync(join(ws.marks, "slow-child"), "utf8"));
      expect(alive(child)).toBe(true);

      const signalled = performance.now();
      agent.proc.kill("SIGTERM");
      const { exitCode, stderr } = await agent.finished();
      const took = performance.now() - signalled;
      expect(exitCode).toBe(0);
      expect(existsSync(dir.socket)).toBe(false);
      expect(existsSync(join(ws.marks, "slow-term"))).toBe(true);
      expect(existsSync(join(ws.marks, "waiter"))).toBe(false);
      expect(alive(child)).toBe(false);
      // stubborn survived SIGTERM and was killed when the 5 s grace period ran out.
      expect(took).toBeGreaterThan(4500);
      expect(results(stderr)).toEqual({
        slow: "stopped by SIGTERM",
        stubborn: "stopped by SIGTERM",
        waiter: "stopped by SIGTERM",
      });
    },
    { timeout: 60_000 },
  );

  test("--exit-when-done interrupted by SIGINT exits 130 after stopping the scripts", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    script(ws.scripts, "long.sh", 'touch "$MARKS/long"\nsleep 300\n');
    const agent = spawnAgent(
      ["--socket-path", dir.socket, "--scripts", ws.scripts, "--exit-when-done"],
      ws.env,
    );
    await waitFor("the script to start", () => existsSync(join(ws.marks, "long")));
    agent.proc.kill("SIGINT");
    const { exitCode, stderr } = await agent.finished();
    expect(exitCode).toBe(130);
    expect(results(stderr)).toEqual({ long: "stopped by SIGINT" });
    expect(existsSync(dir.socket)).toBe(false);
  });
});

describe("agent as PID 1", () => {
  const unshare = Bun.which("unshare");
  const canUnshare =
    process.getuid?.() === 0 &&
    unshare !== null &&
    Bun.spawnSync([unshare, "--pid", "--fork", "--mount-proc", "true"]).exitCode === 0;

  test.skipIf(!canUnshare)("reaps orphaned processes and stops on SIGTERM (in a PID namespace)", async () => {
    using dir = tempDir();
    const ws = workspace(dir.path);
    // Three background sleeps whose parent shell exits at once: they are re-parented to PID 1.
    script(ws.scripts, "orphans.sh", '( sleep 2 & )\n( sleep 2 & )\n( sleep 2 & )\ntouch "$MARKS/orphans"\n');
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
        "--scripts",
        ws.scripts,
      ],
      { env: cleanEnv(ws.env), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    // The agent is unshare's only child; seen from here it has an ordinary pid.
    const agentPid = await waitFor("the agent in the namespace", () => {
      const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
      return children ? Number(children.split(" ")[0]) : undefined;
    });
    const childrenOf = (parent: number) =>
      readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
          try {
            const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
            return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
          } catch {
            return false;
          }
        })
        .map(Number);
    const sleeps = await waitFor("three orphaned sleeps under the agent", () => {
      const found = childrenOf(agentPid).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sleep";
        } catch {
          return false;
        }
      });
      return found.length === 3 ? found : undefined;
    });
    // Once they exit they must disappear entirely: a zombie would keep its /proc entry.
    await waitFor(
      "the orphans to be reaped",
      () => sleeps.every((pid) => !existsSync(`/proc/${pid}`)),
      20_000,
    );

    process.kill(agentPid, "SIGTERM");
    const exitCode = await proc.exited;
    const [, stderr] = await output;
    expect(exitCode).toBe(0);
    expect(stderr).toContain("running as PID 1: reaping orphaned processes");
    expect(stderr).toContain("agent stopped");
    expect(existsSync(dir.socket)).toBe(false);
  });
});
