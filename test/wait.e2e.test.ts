/**
 * `wait` end to end (all, --any, failures, timeouts, registers nothing), the further "waiting"
 * lines the agent sends as the awaited set shrinks, and the live line on a terminal.
 */
import { describe, expect, test } from "bun:test";
import { syncInBackground, untilWaiting, waiters } from "./_background.ts";
import { BIN, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";
import { onTerminal } from "./_pty.ts";

/** Carriage return + "erase line": how the live line is redrawn in place. */
const ERASE_LINE = "\r\x1b[2K";

/** `start` + `complete`: the unit has done its work. */
async function finish(socket: string, unit: string): Promise<void> {
  expect((await sync(socket, "start", unit)).exitCode).toBe(0);
  expect((await sync(socket, "complete", unit)).exitCode).toBe(0);
}

/** POSTs to a waiting endpoint and collects its NDJSON lines as they arrive. */
function streamLines(socket: string, path: string, body: unknown) {
  const lines: unknown[] = [];
  const done = (async () => {
    const res = await fetch(`http://agent/v1${path}`, {
      method: "POST",
      unix: socket,
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    let buffered = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
        lines.push(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
      }
    }
    return lines;
  })();
  return { lines, done, until: (count: number) => waitFor(`${count} lines`, () => lines.length >= count) };
}

describe("wait", () => {
  test.concurrent("waits for every unit, then prints them (the waiting note on stderr)", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const waiting = syncInBackground(dir.socket, "wait", "git-clone", "env-setup");
    await untilWaiting(dir.socket, 1);
    await finish(dir.socket, "env-setup");
    expect(await waiters(dir.socket)).toBe(1);
    await finish(dir.socket, "git-clone");
    expect(await waiting.done).toEqual({
      stdout: "Units completed: [git-clone, env-setup]\n",
      stderr: "Waiting for [env-setup, git-clone] to complete\n",
      exitCode: 0,
    });
  });

  test.concurrent("--any returns with the first unit to complete", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const waiting = syncInBackground(dir.socket, "wait", "--any", "a", "b", "c");
    await untilWaiting(dir.socket, 1);
    await finish(dir.socket, "b");
    expect(await waiting.done).toEqual({
      stdout: "Units completed: [b]\n",
      stderr: "Waiting for any of [a, b, c] to complete\n",
      exitCode: 0,
    });
  });

  test.concurrent("--any fails (exit 4) only when every unit has failed", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const waiting = syncInBackground(dir.socket, "wait", "--any", "a", "b");
    await untilWaiting(dir.socket, 1);
    await sync(dir.socket, "fail", "a", "--reason", "boom");
    // `fail` answers after the agent has settled every waiter: this one is still blocked.
    expect(await waiters(dir.socket)).toBe(1);
    await sync(dir.socket, "fail", "b", "--reason", "bang");
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toEndWith(
      "error: dependency failed: a: a failed: boom; dependency failed: b: b failed: bang\n",
    );
  });

  test.concurrent("without --any, one failure is enough (exit 4), even through a dependency", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    const waiting = syncInBackground(dir.socket, "wait", "app", "cache");
    await untilWaiting(dir.socket, 1);
    await sync(dir.socket, "fail", "db", "--reason", "exit status 2");
    const result = await waiting.done;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toEndWith("error: dependency failed: app -> db: db failed: exit status 2\n");
  });

  test.concurrent("units already completed return at once; -o json prints them", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await finish(dir.socket, "a");
    const result = await sync(dir.socket, "wait", "a", "-o", "json");
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ completed: ["a"] });
  });

  test.concurrent("times out with exit 124 and registers nothing", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await sync(dir.socket, "wait", "ghost", "--timeout", "200ms");
    expect(result).toEqual({
      stdout: "",
      stderr: "Waiting for [ghost] to complete\nerror: timeout waiting for unit 'ghost'\n",
      exitCode: 124,
    });
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });
});

describe("progress", () => {
  test.concurrent("a waiting wait stream gets a further line each time the awaited set shrinks", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const stream = streamLines(dir.socket, "/wait", { units: ["a", "b", "c"], timeout_ms: 0 });
    await stream.until(1);
    await finish(dir.socket, "b");
    await stream.until(2);
    await finish(dir.socket, "a");
    await stream.until(3);
    await finish(dir.socket, "c");
    expect(await stream.done).toEqual([
      { type: "waiting", unmet: ["a", "b", "c"] },
      { type: "waiting", unmet: ["a", "c"] },
      { type: "waiting", unmet: ["c"] },
      { type: "completed", units: ["a", "b", "c"] },
    ]);
  });

  test.concurrent("a waiting start stream gets one too, and none for unrelated changes", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db", "cache");
    const stream = streamLines(dir.socket, "/start", { unit: "app", timeout_ms: 0 });
    await stream.until(1);
    await finish(dir.socket, "unrelated");
    await finish(dir.socket, "db");
    await stream.until(2);
    await finish(dir.socket, "cache");
    expect(await stream.done).toEqual([
      { type: "waiting", unmet: ["cache", "db"] },
      { type: "waiting", unmet: ["cache"] },
      { type: "started", unit: "app", dependencies: ["cache", "db"], waited: true },
    ]);
  });

  const hasScript = Bun.which("script") !== null;
  test.concurrent.skipIf(!hasScript)(
    "on a terminal, a live line shows what is awaited, then is erased",
    async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      const terminal = onTerminal(`${BIN} exp sync wait a b --socket-path ${dir.socket}`);
      await waitFor("the live line", () => terminal.screen().includes("⏳ waiting for [a, b] "));
      await finish(dir.socket, "a");
      await waitFor("the live line to shrink", () => terminal.screen().includes("⏳ waiting for [b] "));
      await finish(dir.socket, "b");
      expect(await terminal.exited).toBe(0);
      const screen = terminal.screen();
      // The line is redrawn in place (carriage return + erase line) and erased before the answer.
      expect(screen).toContain(`${ERASE_LINE}⏳ waiting for [a, b] `);
      expect(screen).toMatch(/⏳ waiting for \[a, b\] \d+s/);
      expect(screen).toContain(`${ERASE_LINE}Units completed: [a, b]`);
      expect(screen.startsWith("Waiting for [a, b] to complete\r\n")).toBe(true);
    },
  );

  test.concurrent.skipIf(!hasScript)(
    "run's live line names its unit; the command's output follows it",
    async () => {
      using dir = tempDir();
      await using _agent = await startAgent(dir.socket);
      const terminal = onTerminal(
        `${BIN} exp sync run app --want db --socket-path ${dir.socket} -- echo app-output`,
      );
      await waitFor("the live line", () => terminal.screen().includes("⏳ app waiting for [db] "));
      await finish(dir.socket, "db");
      expect(await terminal.exited).toBe(0);
      expect(terminal.screen()).toContain(
        `${ERASE_LINE}Unit "app" finished waiting for dependencies: [db]\r\napp-output\r\nUnit "app" completed\r\n`,
      );
    },
  );
});
