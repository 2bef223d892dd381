/**
 * The client against hostile conditions (issue 11, the client's items): a socket that accepts and
 * never answers, an agent that stops midway, durations at their limits, sockets planted where
 * another user could answer in the agent's name, reasons that try to forge lines, dangerous names,
 * and things at the socket path that are not an agent. Every wait here is bounded by a deadline.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { syncInBackground } from "../_background.ts";
import { run, startAgent, sync, tempDir, waitFor } from "../_helpers.ts";

const isRoot = process.getuid?.() === 0;

/** A socket that accepts connections and never says a word; counts the connections it accepted. */
function silentSocket(path: string): { connections(): number; [Symbol.dispose](): void } {
  let connections = 0;
  const listener = Bun.listen({
    unix: path,
    socket: {
      open() {
        connections++;
      },
      data() {},
    },
  });
  return { connections: () => connections, [Symbol.dispose]: () => listener.stop(true) };
}

/** A socket that answers every request with bytes that are not HTTP. */
function garbageSocket(path: string): { [Symbol.dispose](): void } {
  const listener = Bun.listen({
    unix: path,
    socket: {
      data(socket) {
        socket.write("garbage\r\n\r\n");
        socket.end();
      },
    },
  });
  return { [Symbol.dispose]: () => listener.stop(true) };
}

/** A fake agent that says yes to everything: what an impersonator would run. */
function fakeAgent(path: string): { [Symbol.dispose](): void } {
  const server = Bun.serve({
    unix: path,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/v1/ping")
        return Response.json({ agent: "unitsync", version: "0.1.0", pid: 1, waiters: 0 });
      if (url.pathname === "/v1/start") {
        return new Response(
          `${JSON.stringify({ type: "started", unit: "app", dependencies: [], waited: false })}\n`,
        );
      }
      return Response.json({ unit: "app", status: "completed" });
    },
  });
  return { [Symbol.dispose]: () => server.stop(true) };
}

/** Milliseconds `fn` takes. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/** No runtime-internal wording in what the user reads. */
function expectOurWords(stderr: string): void {
  for (const leak of ["typo", "verbose", "ECONN", "ENOENT", "ENAMETOOLONG", "fetch()"]) {
    expect({ stderr, leak, found: stderr.includes(leak) }).toEqual({ stderr, leak, found: false });
  }
}

describe("hangs: every call is bounded", () => {
  test.concurrent("a socket that accepts but never answers: ping, start and run exit 3 at the answer deadline", async () => {
    using dir = tempDir();
    using _silent = silentSocket(dir.socket);
    const env = { UNITSYNC_CONNECT_TIMEOUT: "500ms" };
    const socket = ["--socket-path", dir.socket];
    for (const args of [
      ["ping", ...socket],
      ["start", "app", "--timeout", "0", ...socket],
      ["run", "app", ...socket, "--", "true"],
    ]) {
      const [result, ms] = await timed(() => run(["exp", "sync", ...args], { env }));
      expect({ args, exitCode: result.exitCode }).toEqual({ args, exitCode: 3 });
      expect(result.stderr).toContain(`the unitsync agent at ${dir.socket} did not answer within 500ms`);
      // The answer deadline, plus `run`'s bounded report of the failure; never "forever".
      expect(ms).toBeLessThan(8000);
    }
  });

  test.concurrent("the default answer deadline is a few seconds", async () => {
    using dir = tempDir();
    using _silent = silentSocket(dir.socket);
    const [result, ms] = await timed(() => sync(dir.socket, "ping"));
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("did not answer within 10s");
    expect(ms).toBeGreaterThan(9000);
    expect(ms).toBeLessThan(25_000);
  });

  test.concurrent("--timeout bounds the whole call, even before the first answer", async () => {
    using dir = tempDir();
    using _silent = silentSocket(dir.socket);
    const [result, ms] = await timed(() => sync(dir.socket, "start", "app", "--timeout", "1s"));
    expect(result.exitCode).toBe(3);
    // What is left of the timeout when the request goes out, plus the grace the agent gets to
    // answer "timeout" itself: about 2 s.
    expect(result.stderr).toMatch(/did not answer within (1\.\d+|2)s\n/);
    expect(ms).toBeLessThan(5000);
  });

  test.concurrent("an agent stopped (SIGSTOP) after the first answer: start --timeout ends with 124 anyway", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "want", "app", "db")).exitCode).toBe(0);
    const client = syncInBackground(dir.socket, "start", "app", "--timeout", "1s");
    await client.saw("is waiting for dependencies");
    agent.proc.kill("SIGSTOP");
    try {
      const done = await Promise.race([client.done, Bun.sleep(10_000).then(() => undefined)]); // deadline
      expect(done?.exitCode).toBe(124);
      expect(done?.stderr).toContain("error: timeout waiting for dependencies of unit 'app'");
    } finally {
      agent.proc.kill("SIGCONT");
      client.proc.kill();
    }
  });

  test.concurrent("run's --timeout bounds only the wait: a command that runs longer keeps its unit (the held lease)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const socket = ["--socket-path", dir.socket];
    const result = await run([
      "exp",
      "sync",
      "run",
      "app",
      "--timeout",
      "1s",
      ...socket,
      "--",
      "sleep",
      "2.5",
    ]);
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({
      exitCode: 0,
      stderr: 'Unit "app" started with no dependencies\nUnit "app" completed\n',
    });
    expect(JSON.parse((await sync(dir.socket, "status", "app", "-o", "json")).stdout).status).toBe(
      "completed",
    );
  });

  test.concurrent("run stops promptly on SIGTERM while the agent does not answer, at once on a second signal", async () => {
    using dir = tempDir();
    using silent = silentSocket(dir.socket);
    for (const signals of [["SIGTERM"], ["SIGTERM", "SIGINT"]] as const) {
      const before = silent.connections();
      const client = syncInBackground(dir.socket, "run", "app", "--", "sleep", "100");
      // Its first request is in flight, so its signal handlers are in place.
      await waitFor("run to connect", () => silent.connections() > before);
      const sent = performance.now();
      for (const signal of signals) client.proc.kill(signal);
      const { exitCode, stderr } = await client.done;
      const ms = performance.now() - sent;
      // Both signals are pending at once in the two-signal case, and Linux delivers the lower
      // number (SIGINT) first when it gets there before the handler ran: either may be "first".
      const first = signals.length === 2 && exitCode === 130 ? "SIGINT" : "SIGTERM";
      expect({ signals, exitCode }).toEqual({ signals, exitCode: first === "SIGINT" ? 130 : 143 });
      expect(stderr).toContain(`interrupted by ${first} before the command ran`);
      expect(ms).toBeLessThan(signals.length === 2 ? 1500 : 4000);
    }
  });
});

describe("durations", () => {
  test.concurrent("720h is a valid Go duration: start waits with it instead of refusing", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "want", "app", "db")).exitCode).toBe(0);
    const client = syncInBackground(dir.socket, "start", "app", "--timeout", "720h");
    await client.saw("is waiting for dependencies");
    expect((await sync(dir.socket, "start", "db")).exitCode).toBe(0);
    expect((await sync(dir.socket, "complete", "db")).exitCode).toBe(0);
    const { exitCode, stdout } = await client.done;
    expect({ exitCode, stdout }).toEqual({
      exitCode: 0,
      stdout:
        'Unit "app" is waiting for dependencies to be satisfied: [db]\nUnit "app" finished waiting for dependencies: [db]\n',
    });
  });

  test.concurrent("100us and 1ns time out (exit 124) instead of meaning forever", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "want", "app", "db")).exitCode).toBe(0);
    for (const timeout of ["100us", "1ns", "1µs"]) {
      const client = syncInBackground(dir.socket, "start", "app", "--timeout", timeout);
      const done = await Promise.race([client.done, Bun.sleep(10_000).then(() => undefined)]); // deadline
      client.proc.kill();
      expect({ timeout, exitCode: done?.exitCode }).toEqual({ timeout, exitCode: 124 });
    }
  });

  test.concurrent("agent --scripts --timeout 600h lets the scripts finish (no 32-bit timer overflow)", async () => {
    using dir = tempDir();
    const scripts = join(dir.path, "scripts");
    mkdirSync(scripts);
    writeFileSync(join(scripts, "slow.sh"), "#!/bin/sh\nsleep 0.3\necho done\n", { mode: 0o755 });
    const result = await run([
      "agent",
      "--socket-path",
      dir.socket,
      "--scripts",
      scripts,
      "--exit-when-done",
      "--timeout",
      "600h",
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("1 completed");
  });

  test.concurrent("a negative duration, one beyond Go's range, or one that is not a duration exits 2", async () => {
    using dir = tempDir();
    for (const timeout of ["-1s", "3000000h", "5", "1d", ""]) {
      const result = await sync(dir.socket, "start", "app", "--timeout", timeout);
      expect({ timeout, exitCode: result.exitCode }).toEqual({ timeout, exitCode: 2 });
      expect(result.stderr).toStartWith(`error: invalid duration ${JSON.stringify(timeout)}`);
    }
  });
});

describe("impersonation: the client checks the socket as the agent does", () => {
  const fakeStartRefused = async (socket: string, why: string) => {
    const result = await sync(socket, "start", "app");
    expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({ exitCode: 3, stdout: "" });
    expect(result.stderr).toContain(why);
  };

  test.concurrent("a directory others may write to (not sticky)", async () => {
    using dir = tempDir();
    const open = join(dir.path, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const socket = join(open, "agent.sock");
    using _fake = fakeAgent(socket);
    await fakeStartRefused(socket, `its directory ${open} cannot be trusted: it is writable by other users`);
  });

  test.concurrent("a directory reached through a symbolic link", async () => {
    using dir = tempDir();
    const real = join(dir.path, "real");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(dir.path, "link"));
    using _fake = fakeAgent(join(real, "agent.sock"));
    await fakeStartRefused(join(dir.path, "link", "agent.sock"), "it is a symbolic link");
  });

  test.concurrent.skipIf(!isRoot)("a directory owned by another user", async () => {
    using dir = tempDir();
    const other = join(dir.path, "unitsync-1000");
    mkdirSync(other, { mode: 0o700 });
    const socket = join(other, "agent.sock");
    using _fake = fakeAgent(socket);
    chownSync(other, 65534, 65534);
    await fakeStartRefused(socket, "it is owned by uid 65534, not by this user (uid 0)");
  });

  test.concurrent.skipIf(!isRoot)("a socket another user created in a sticky directory", async () => {
    using dir = tempDir();
    const shared = join(dir.path, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const socket = join(shared, "agent.sock");
    using _fake = fakeAgent(socket);
    chownSync(socket, 65534, 65534);
    await fakeStartRefused(socket, `refusing socket ${socket}: it is owned by uid 65534`);
  });

  test.concurrent.skipIf(!isRoot)(
    "another user's agent shared through a group: trusted at a path the user named, never at the default path",
    async () => {
      using dir = tempDir();
      const shared = join(dir.path, "shared");
      mkdirSync(shared);
      const socket = join(shared, "unitsync.sock");
      using _fake = fakeAgent(socket);
      // What `agent --socket-group` makes, for an agent running as uid 65534 and a group this user is in.
      chownSync(socket, 65534, 0);
      chownSync(shared, 65534, 0);
      chmodSync(shared, 0o2750);
      expect((await sync(socket, "ping")).exitCode).toBe(0);
      const byDefault = await run(["exp", "sync", "ping"], { env: { XDG_RUNTIME_DIR: shared } });
      expect(byDefault.exitCode).toBe(3);
      expect(byDefault.stderr).toContain("it is owned by uid 65534");
      // A group member may not write to the directory: one who could would be trusted as the agent.
      chmodSync(shared, 0o2770);
      expect((await sync(socket, "ping")).stderr).toContain("cannot be trusted: it is owned by uid 65534");
    },
  );

  test.concurrent("a sticky directory with the user's own agent is fine", async () => {
    using dir = tempDir();
    const shared = join(dir.path, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const socket = join(shared, "agent.sock");
    await using _agent = await startAgent(socket);
    expect(await sync(socket, "ping")).toEqual({ exitCode: 0, stdout: "Success\n", stderr: "" });
  });
});

describe("reasons are one line in every human output", () => {
  const forged = 'a\n[info] unit "db" completed\x1b[2J';
  const escaped = 'a\\n[info] unit "db" completed\\x1b[2J';

  test.concurrent("status, list, events, the dependents' errors and the agent's log escape; JSON keeps the text", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "fail", "x", "--reason", forged)).exitCode).toBe(0);

    const status = await sync(dir.socket, "status", "x", "--details");
    expect(status.stdout).toContain(`Reason: ${escaped}\n`);
    const list = await sync(dir.socket, "list");
    expect(list.stdout).toContain(escaped);
    const events = await sync(dir.socket, "events");
    expect(events.stdout).toContain(`unit "x" failed: ${escaped}\n`);
    const start = await run([
      "exp",
      "sync",
      "run",
      "y",
      "--want",
      "x",
      "--socket-path",
      dir.socket,
      "--",
      "true",
    ]);
    expect(start.exitCode).toBe(4);
    expect(start.stderr).toContain(escaped);
    for (const output of [status.stdout, list.stdout, events.stdout, start.stderr]) {
      expect(output).not.toContain("\x1b");
      expect(output.split("\n")).not.toContain('[info] unit "db" completed');
    }
    await waitFor("the agent to log the failure", () => agent.log().includes('unit "x" failed'));
    expect(agent.log()).toContain(`unit "x" failed: ${escaped}\n`);
    expect(agent.log()).not.toContain("\x1b");

    expect(JSON.parse((await sync(dir.socket, "status", "x", "-o", "json")).stdout).reason).toBe(forged);
    expect(JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout)[0].reason).toBe(forged);
    const line = (await sync(dir.socket, "events", "-o", "json")).stdout.trimEnd().split("\n")[1] as string;
    expect(JSON.parse(line).reason).toBe(forged);
  });

  test.concurrent("a bidirectional override in a reason is escaped too", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    expect((await sync(dir.socket, "fail", "x", "--reason", "ok\u202eedoc")).exitCode).toBe(0);
    expect((await sync(dir.socket, "status", "x", "--details")).stdout).toContain("Reason: ok\\u202eedoc\n");
  });

  test.concurrent("an error that repeats what the user typed stays one line", async () => {
    using dir = tempDir();
    const result = await sync(dir.socket, "fail", "x", "--bo\ngus\u001b[2J");
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({
      exitCode: 2,
      stderr: 'error: unknown flag: --bo\\ngus\\x1b[2J\nhint: see "unitsync exp sync fail --help"\n',
    });
  });
});

describe("names and --", () => {
  test.concurrent("`.` and `..` are refused as names before they reach HTTP as dot segments", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    for (const name of [".", ".."]) {
      for (const args of [
        ["status", name],
        ["want", name, "db"],
        ["start", name],
      ]) {
        const result = await sync(dir.socket, ...args);
        expect({ args, exitCode: result.exitCode, stderr: result.stderr }).toEqual({
          args,
          exitCode: 1,
          stderr: `error: unit name ${JSON.stringify(name)} is not allowed\n`,
        });
      }
    }
  });

  test.concurrent("names with bidirectional or zero-width characters are refused, naming the character", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    for (const [char, point] of [
      ["\u202e", "U+202E"],
      ["\u200b", "U+200B"],
      ["\u2066", "U+2066"],
      ["\u00ad", "U+00AD"],
    ]) {
      const result = await sync(dir.socket, "want", `db${char}x`, "y");
      expect({ point, exitCode: result.exitCode }).toEqual({ point, exitCode: 1 });
      expect(result.stderr).toContain(`unit name contains ${point}`);
      expect(result.stderr).not.toContain(char as string);
    }
    // The agent refuses them too, for callers that are not this CLI.
    const res = await fetch("http://agent/v1/want", {
      unix: dir.socket,
      method: "POST",
      body: JSON.stringify({ unit: "a\u202eb", depends_on: ["c"] }),
    });
    expect(res.status).toBe(400);
  });

  test.concurrent("a name starting with - is usable after --; extra arguments after -- are refused", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const socket = ["--socket-path", dir.socket];
    expect((await run(["exp", "sync", "want", ...socket, "--", "-dash", "db"])).stdout).toBe(
      'Unit "-dash" declared dependencies: [db]\n',
    );
    expect((await run(["exp", "sync", "status", ...socket, "--", "-dash"])).stdout).toStartWith(
      "Unit: -dash\n",
    );
    const extra = await run(["exp", "sync", "complete", "a", ...socket, "--", "extra"]);
    expect(extra.exitCode).toBe(2);
  });
});

describe("what is at the socket path", () => {
  test.concurrent("a regular file, a directory or a FIFO: each named, exit 3, in our words", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "file"), "");
    mkdirSync(join(dir.path, "dir"));
    expect(Bun.spawnSync(["mkfifo", join(dir.path, "fifo")]).exitCode).toBe(0);
    for (const [name, kind] of [
      ["file", "a regular file"],
      ["dir", "a directory"],
      ["fifo", "a FIFO (named pipe)"],
    ]) {
      const path = join(dir.path, name as string);
      for (const verb of [["ping"], ["want", "a", "b"]]) {
        const result = await sync(path, ...verb);
        expect({ name, verb, exitCode: result.exitCode }).toEqual({ name, verb, exitCode: 3 });
        expect(result.stderr.split("\n")[0]).toBe(`error: ${path} is ${kind}, not a socket`);
        expectOurWords(result.stderr);
      }
    }
  });

  test.concurrent("a path too long for a unix socket", async () => {
    using dir = tempDir();
    const path = join(dir.path, "x".repeat(110 - dir.path.length - 1));
    expect(Buffer.byteLength(path)).toBe(110);
    const result = await sync(path, "ping");
    expect(result.exitCode).toBe(3);
    expect(result.stderr.split("\n")[0]).toBe(
      `error: the socket path is 110 bytes long; a unix socket path may have at most 107: ${path}`,
    );
    expectOurWords(result.stderr);
  });

  test.concurrent("a socket that answers garbage", async () => {
    using dir = tempDir();
    using _garbage = garbageSocket(dir.socket);
    for (const verb of [["ping"], ["start", "app"]]) {
      const result = await sync(dir.socket, ...verb);
      expect({ verb, exitCode: result.exitCode }).toEqual({ verb, exitCode: 3 });
      expect(result.stderr.split("\n")[0]).toBe(
        `error: ${dir.socket} answered something that is not HTTP: it is not a unitsync agent`,
      );
      expectOurWords(result.stderr);
    }
  });

  test.concurrent("autostart never replaces something that is not a socket", async () => {
    using dir = tempDir();
    writeFileSync(dir.socket, "keep me");
    const result = await run(["exp", "sync", "want", "a", "b", "--socket-path", dir.socket], {
      env: { UNITSYNC_AUTOSTART: "1" },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("is a regular file, not a socket");
    expect(await Bun.file(dir.socket).text()).toBe("keep me");
  });
});
