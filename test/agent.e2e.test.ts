/** The agent's lifecycle end to end: binding, stale sockets, a second agent, signals, disconnects. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { syncInBackground, untilWaiting, waiters } from "./_background.ts";
import { run, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";

describe("agent lifecycle", () => {
  test.concurrent("creates a 0700 directory and a 0600 socket", async () => {
    using dir = tempDir();
    const socket = join(dir.path, "nested", "agent.sock");
    await using _agent = await startAgent(socket);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(socket).isSocket()).toBe(true);
  });

  test.concurrent("recovers a stale socket left by a killed agent", async () => {
    using dir = tempDir();
    const first = await startAgent(dir.socket);
    await sync(dir.socket, "want", "a", "b");
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    expect(existsSync(dir.socket)).toBe(true);

    await using _second = await startAgent(dir.socket);
    // State lives in memory only: the new agent starts empty.
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });

  test.concurrent("a second agent on a live socket exits 5 (cannot serve) and leaves the first serving", async () => {
    using dir = tempDir();
    await using _first = await startAgent(dir.socket);
    await sync(dir.socket, "want", "a", "b");
    const second = await run(["agent", "--socket-path", dir.socket]);
    // Not 1, which `agent --scripts --exit-when-done` exits with when a script failed.
    expect(second.exitCode).toBe(5);
    expect(second.stderr).toContain(`error: another agent is already serving ${dir.socket}\n`);
    expect(JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout)).toEqual([
      { unit_name: "a", status: "pending", is_ready: false },
    ]);
  });

  test.concurrent("a socket path held by a regular file exits 5 and leaves the file alone", async () => {
    using dir = tempDir();
    writeFileSync(dir.socket, "not a socket");
    const result = await run(["agent", "--socket-path", dir.socket]);
    expect({ exitCode: result.exitCode, error: result.stderr.split("\n").at(-2) }).toEqual({
      exitCode: 5,
      error: `error: ${dir.socket} exists and is not a socket; refusing to replace it`,
    });
    expect(readFileSync(dir.socket, "utf8")).toBe("not a socket");
  });

  test.concurrent("SIGTERM answers waiting clients, removes the socket and exits 0", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    const waiting = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);

    agent.proc.kill("SIGTERM");
    expect(await agent.proc.exited).toBe(0);
    const { stderr, exitCode } = await waiting.done;
    expect(exitCode).toBe(3);
    expect(stderr).toBe("error: the agent is shutting down\n");
    expect(existsSync(dir.socket)).toBe(false);
    await agent[Symbol.asyncDispose]();
    expect(agent.log()).toContain("received SIGTERM; shutting down");
  });

  test.concurrent("SIGINT stops it the same way", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    agent.proc.kill("SIGINT");
    expect(await agent.proc.exited).toBe(0);
    expect(existsSync(dir.socket)).toBe(false);
  });

  test.concurrent("a client killed while waiting leaves its unit unstarted", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    const waiting = syncInBackground(dir.socket, "start", "app");
    await untilWaiting(dir.socket, 1);

    waiting.proc.kill("SIGKILL");
    await waiting.done;
    await waitFor("the agent to drop the wait", async () => (await waiters(dir.socket)) === 0);
    await sync(dir.socket, "start", "db");
    await sync(dir.socket, "complete", "db");
    const status = JSON.parse((await sync(dir.socket, "status", "app", "-o", "json")).stdout);
    expect({ status: status.status, is_ready: status.is_ready }).toEqual({
      status: "pending",
      is_ready: true,
    });
    // And a new start now goes through at once.
    expect((await sync(dir.socket, "start", "app")).stdout).toBe(
      'Unit "app" started immediately, dependencies already satisfied: [db]\n',
    );
  });

  test.concurrent("logs one line per state change", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    await sync(dir.socket, "want", "app", "db");
    await sync(dir.socket, "start", "db");
    await sync(dir.socket, "complete", "db");
    await agent[Symbol.asyncDispose]();
    const events = agent
      .log()
      .split("\n")
      .filter((line) => line.includes('unit "'));
    expect(events.map((line) => line.replace(/^.*?unit/, "unit"))).toEqual([
      'unit "app" registered',
      'unit "app" declared dependencies: [db]',
      'unit "db" registered',
      'unit "db" started',
      'unit "db" completed',
    ]);
  });

  test.concurrent("--log-format json logs one JSON object per state change", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket, ["--log-format", "json"]);
    await sync(dir.socket, "want", "app", "db");
    await sync(dir.socket, "start", "db");
    await agent[Symbol.asyncDispose]();
    const events = agent
      .log()
      .split("\n")
      .filter((line) => line.includes('"seq"'))
      .map((line) => JSON.parse(line));
    expect(events.map(({ seq, type, unit, depends_on }) => ({ seq, type, unit, depends_on }))).toEqual([
      { seq: 1, type: "registered", unit: "app", depends_on: undefined },
      { seq: 2, type: "dependencies_added", unit: "app", depends_on: ["db"] },
      { seq: 3, type: "registered", unit: "db", depends_on: undefined },
      { seq: 4, type: "started", unit: "db", depends_on: undefined },
    ]);
    for (const event of events) expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  });

  test.concurrent("CODER_AGENT_SOCKET_SERVER_ENABLED=false serves nothing", async () => {
    using dir = tempDir();
    const result = await run(["agent", "--socket-path", dir.socket], {
      env: { CODER_AGENT_SOCKET_SERVER_ENABLED: "false" },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("socket server disabled");
    expect(existsSync(dir.socket)).toBe(false);
  });
});
