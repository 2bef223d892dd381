import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { UnitsyncError } from "../src/lib/errors.ts";
import {
  type CheckResult,
  checkOnce,
  describeProbe,
  failureReason,
  parseProbe,
  waitUntilReady,
} from "../src/lib/probe.ts";
import { tempDir, waitFor } from "./_helpers.ts";
import { blackHole, closedPort, httpServer, tcpListener } from "./_servers.ts";

describe("parseProbe", () => {
  test("reads the four forms and writes them back", () => {
    const forms = {
      "tcp:127.0.0.1:5432": { kind: "tcp", host: "127.0.0.1", port: 5432 },
      "tcp:[::1]:80": { kind: "tcp", host: "::1", port: 80 },
      "tcp:db.internal:6379": { kind: "tcp", host: "db.internal", port: 6379 },
      "http://127.0.0.1:8080/healthz": { kind: "http", url: "http://127.0.0.1:8080/healthz" },
      "https://example.test/": { kind: "http", url: "https://example.test/" },
      "file:/run/app.ready": { kind: "file", path: "/run/app.ready" },
      "exec:pg_isready -h 127.0.0.1": { kind: "exec", command: "pg_isready -h 127.0.0.1" },
    };
    for (const [text, spec] of Object.entries(forms)) {
      expect(parseProbe(text)).toEqual(spec as never);
      expect(describeProbe(parseProbe(text))).toBe(text);
    }
  });

  test("refuses malformed probes with a usage error that names them", () => {
    const bad = {
      "": 'invalid probe ""',
      "5432": 'invalid probe "5432"',
      "udp:1.2.3.4:53": 'invalid probe "udp:1.2.3.4:53"',
      "tcp:127.0.0.1": 'invalid probe "tcp:127.0.0.1": missing port',
      "tcp::80": 'invalid probe "tcp::80": missing host',
      "tcp:host:0": 'invalid probe "tcp:host:0": port must be 1-65535',
      "tcp:host:65536": 'invalid probe "tcp:host:65536": port must be 1-65535',
      "tcp:host:http": 'invalid probe "tcp:host:http": port must be 1-65535',
      "tcp:::1:80": 'invalid probe "tcp:::1:80": put an IPv6 address in [ ]',
      "http://": 'invalid probe "http://": not a URL',
      "file:": 'invalid probe "file:": missing path after file:',
      "exec:  ": 'invalid probe "exec:  ": missing command after exec:',
    };
    for (const [text, message] of Object.entries(bad)) {
      const error = (() => {
        try {
          parseProbe(text);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(UnitsyncError);
      expect({
        text,
        message: (error as UnitsyncError).message,
        exit: (error as UnitsyncError).exitCode,
      }).toEqual({ text, message, exit: 2 });
    }
  });
});

describe("checkOnce", () => {
  test.concurrent("tcp: a listening port holds, a closed one is refused", async () => {
    await using listener = await tcpListener();
    const refused = await closedPort();
    expect(await checkOnce({ kind: "tcp", host: "127.0.0.1", port: listener.port }, 2000)).toEqual({
      ok: true,
    });
    expect(await checkOnce({ kind: "tcp", host: "127.0.0.1", port: refused }, 2000)).toEqual({
      ok: false,
      error: "connection refused",
    });
  });

  test.concurrent("tcp: a connect that is never answered ends at the check's deadline", async () => {
    await using hole = await blackHole();
    const started = performance.now();
    const result = await checkOnce({ kind: "tcp", host: "127.0.0.1", port: hole.port }, 300);
    const took = performance.now() - started;
    expect(result).toEqual({ ok: false, error: "no answer within 300ms", overran: true });
    // The kernel alone would retry the SYN for about two minutes.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
  });

  test.concurrent("http: 2xx and 3xx hold, 4xx and 5xx do not", async () => {
    const results: Record<number, CheckResult> = {};
    for (const status of [200, 204, 302, 404, 503]) {
      await using server = httpServer(status);
      results[status] = await checkOnce({ kind: "http", url: server.url }, 2000);
    }
    expect(results).toEqual({
      200: { ok: true },
      204: { ok: true },
      302: { ok: true },
      404: { ok: false, error: "HTTP status 404 Not Found" },
      503: { ok: false, error: "HTTP status 503 Service Unavailable" },
    });
  });

  test.concurrent("http: a server that accepts and never answers ends at the check's deadline", async () => {
    await using silent = await tcpListener();
    await using hole = await blackHole();
    const refused = await closedPort();
    const check = (port: number) => checkOnce({ kind: "http", url: `http://127.0.0.1:${port}/` }, 300);
    expect({
      silent: await check(silent.port),
      hole: await check(hole.port),
      refused: await check(refused),
    }).toEqual({
      silent: { ok: false, error: "no answer within 300ms", overran: true },
      hole: { ok: false, error: "no answer within 300ms", overran: true },
      refused: { ok: false, error: "connection refused" },
    });
  });

  test.concurrent("file: holds once the path exists", async () => {
    using dir = tempDir();
    const path = join(dir.path, "ready");
    expect(await checkOnce({ kind: "file", path }, 1000)).toEqual({ ok: false, error: "does not exist" });
    writeFileSync(path, "");
    expect(await checkOnce({ kind: "file", path }, 1000)).toEqual({ ok: true });
  });

  test.concurrent("exec: exit 0 holds; otherwise the status and the last line of output", async () => {
    using dir = tempDir();
    const check = (command: string) => checkOnce({ kind: "exec", command }, 5000, { cwd: dir.path });
    expect({
      ok: await check("true"),
      failing: await check("echo starting; echo 'not accepting connections' >&2; exit 3"),
      silent: await check("exit 1"),
      cwd: await check(`test "$(pwd)" = "${dir.path}"`),
    }).toEqual({
      ok: { ok: true },
      failing: { ok: false, error: "exit status 3: not accepting connections" },
      silent: { ok: false, error: "exit status 1" },
      cwd: { ok: true },
    });
  });

  test.concurrent("exec: a command that overruns is killed at the deadline with what it started", async () => {
    using dir = tempDir();
    const marker = join(dir.path, "child.pid");
    const started = performance.now();
    const result = await checkOnce({ kind: "exec", command: `sleep 30 & echo $! > ${marker}; wait` }, 300);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result).toEqual({ ok: false, error: "no exit within 300ms (killed)", overran: true });
    const pid = Number(await Bun.file(marker).text());
    // The background sleep was in the check's process group: it must be gone too (or a zombie
    // waiting for whoever adopted it to reap it). SIGKILL is sent by then, but a loaded machine may
    // take a moment to schedule the death: wait for it, with a deadline.
    await waitFor("the check's background child to be gone", async () => !(await isRunning(pid)), 5000);
  });
});

describe("waitUntilReady", () => {
  test.concurrent("keeps checking until the service comes up", async () => {
    using dir = tempDir();
    const path = join(dir.path, "ready");
    const outcome = await waitUntilReady(
      { kind: "file", path },
      { intervalMs: 100, timeoutMs: 30_000, checkTimeoutMs: 1000 },
      // The service "comes up" after the third failed check.
      { onCheck: (result, checks) => !result.ok && checks === 3 && writeFileSync(path, "") },
    );
    expect({ ok: outcome.ok, checks: outcome.checks }).toEqual({ ok: true, checks: 4 });
  });

  test.concurrent("gives up at the timeout, keeping the last error; pauses back off up to the interval", async () => {
    const port = await closedPort();
    const spec = { kind: "tcp", host: "127.0.0.1", port } as const;
    const ends: number[] = [];
    const outcome = await waitUntilReady(
      spec,
      { intervalMs: 200, timeoutMs: 1500, checkTimeoutMs: 1000 },
      { onCheck: () => ends.push(performance.now()) },
    );
    expect(outcome).toMatchObject({ ok: false, aborted: false, error: "connection refused" });
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(1500);
    expect(outcome.elapsedMs).toBeLessThan(4000);
    // 50, 100, 200, 200, ... ms: about 9 checks in 1.5 s; a loaded machine makes fewer.
    expect(outcome.checks).toBeGreaterThanOrEqual(4);
    const pauses = ends.slice(1).map((end, i) => end - (ends[i] as number));
    expect(pauses[0]).toBeLessThan(200); // the first pause is shorter than the interval
    if (outcome.ok) throw new Error("unreachable");
    expect(failureReason(spec, outcome)).toMatch(
      new RegExp(
        `^not ready after \\d+(\\.\\d+)?s \\(${outcome.checks} checks\\): tcp:127\\.0\\.0\\.1:${port}: connection refused$`,
      ),
    );
  });

  test.concurrent("a black-holed address is checked again and again within the timeout", async () => {
    await using hole = await blackHole();
    const outcome = await waitUntilReady(
      { kind: "tcp", host: "127.0.0.1", port: hole.port },
      { intervalMs: 100, timeoutMs: 1200, checkTimeoutMs: 250 },
    );
    // The last check is cut to the time left, hence a shorter figure there.
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^no answer within \d+ms$/) });
    expect(outcome.checks).toBeGreaterThanOrEqual(3);
    expect(outcome.elapsedMs).toBeLessThan(4000);
  });

  test.concurrent("the last check is cut to the time left, not the full check deadline", async () => {
    await using hole = await blackHole();
    const outcome = await waitUntilReady(
      { kind: "tcp", host: "127.0.0.1", port: hole.port },
      { intervalMs: 1000, timeoutMs: 400, checkTimeoutMs: 10_000 },
    );
    expect(outcome).toMatchObject({ ok: false, checks: 1 });
    expect(outcome.elapsedMs).toBeLessThan(3000);
  });

  test.concurrent("the reason is the last real error, not a last check cut short by the timeout", async () => {
    using dir = tempDir();
    const marker = join(dir.path, "tried");
    // The first check fails at once with a real error; the next one hangs until the timeout cuts it.
    const command = `if [ -e ${marker} ]; then sleep 30; else touch ${marker}; echo down; exit 3; fi`;
    const outcome = await waitUntilReady(
      { kind: "exec", command },
      { intervalMs: 50, timeoutMs: 2500, checkTimeoutMs: 60_000 },
    );
    expect(outcome).toMatchObject({ ok: false, checks: 2, error: "exit status 3: down" });
  });

  test.concurrent("stops at once when aborted", async () => {
    await using hole = await blackHole();
    const controller = new AbortController();
    const waiting = waitUntilReady(
      { kind: "tcp", host: "127.0.0.1", port: hole.port },
      { intervalMs: 1000, timeoutMs: 0, checkTimeoutMs: 60_000 },
      { signal: controller.signal },
    );
    const started = performance.now();
    controller.abort();
    const outcome = await waiting;
    expect(outcome).toMatchObject({ ok: false, aborted: true });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

// --- internal ---

/** Whether a process exists and is not a zombie. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await Bun.file(`/proc/${pid}/stat`).text();
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
