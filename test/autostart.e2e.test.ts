/**
 * Autostart: `want`, `start`, `run` and `wait` start an agent in the background when none answers.
 * test/_helpers.ts turns autostart off for every other suite (UNITSYNC_AUTOSTART=0); here it is on.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, type RunResult, run, startAgent, sync, tempDir, waitFor } from "./_helpers.ts";

const ON = { UNITSYNC_AUTOSTART: "1" };

/** Agents started by the tests, stopped at the end even if a test fails. */
const started = new Set<number>();
afterAll(async () => {
  for (const pid of started) stopAgent(pid);
});

/** `unitsync exp sync <args> --socket-path <socket>` with autostart on. */
function syncOn(socket: string, ...args: string[]): Promise<RunResult> {
  return run(["exp", "sync", ...args, "--socket-path", socket], { env: ON });
}

/** The pid of the agent answering at `socket` (from its ping), remembered for clean-up. */
async function agentPid(socket: string): Promise<number> {
  const res = await fetch("http://unitsync/v1/ping", { unix: socket });
  const { pid } = (await res.json()) as { pid: number };
  started.add(pid);
  return pid;
}

function stopAgent(pid: number): void {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/** Live (non-zombie) processes whose command line is `unitsync agent --socket-path <socket>`. */
function agentsOn(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") continue;
      if (cmdline[0] === BIN && cmdline[1] === "agent" && cmdline.includes(socket)) pids.push(Number(entry));
    } catch {
      // the process went away meanwhile
    }
  }
  return pids;
}

describe("autostart", () => {
  test("want starts a detached agent when none answers, logging beside the socket", async () => {
    using dir = tempDir();
    const socket = join(dir.path, "run", "agent.sock");
    const result = await syncOn(socket, "want", "app", "db");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('Unit "app" declared dependencies: [db]\n');
    const pid = await agentPid(socket);
    expect(result.stderr).toBe(
      `unitsync: no agent was answering at ${socket}; started one (pid ${pid}, log ${join(dir.path, "run", "agent.log")})\n`,
    );
    // Its own session (so the client's terminal and process group do not reach it).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(Number(fields[3])).toBe(pid); // the session id
    expect(readFileSync(join(dir.path, "run", "agent.log"), "utf8")).toContain(
      `agent listening on ${socket}`,
    );
    // The agent keeps the graph for the next calls, which do not start another one.
    const list = await syncOn(socket, "list");
    expect(list).toEqual({
      exitCode: 0,
      stdout: "UNIT  STATUS   READY  \napp   pending  false  \n",
      stderr: "",
    });
    stopAgent(pid);
    await waitFor("the agent to stop", () => !existsSync(socket));
  });

  test("start autostarts too, and then behaves as usual", async () => {
    using dir = tempDir();
    const result = await syncOn(dir.socket, "start", "solo");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('Unit "solo" started with no dependencies\n');
    const pid = await agentPid(dir.socket);
    expect(await syncOn(dir.socket, "complete", "solo")).toMatchObject({ exitCode: 0 });
    stopAgent(pid);
    await waitFor("the agent to stop", () => !existsSync(dir.socket));
  });

  test("ten clients racing to autostart end with exactly one agent and every unit registered", async () => {
    using dir = tempDir();
    const clients = Array.from({ length: 10 }, (_, i) => syncOn(dir.socket, "want", `unit-${i}`, "base"));
    const results = await Promise.all(clients);
    for (const [i, result] of results.entries()) {
      expect(result).toMatchObject({
        exitCode: 0,
        stdout: `Unit "unit-${i}" declared dependencies: [base]\n`,
      });
    }
    const pid = await agentPid(dir.socket);
    // Losers exit at once with "another agent is already serving"; wait for them to be gone.
    await waitFor("a single agent", () => {
      const agents = agentsOn(dir.socket);
      return agents.length === 1 && agents[0] === pid;
    });
    // Exactly one client says it started the agent that answers.
    expect(results.filter((r) => r.stderr.includes(`started one (pid ${pid}`))).toHaveLength(1);
    const log = readFileSync(join(dir.path, "agent.log"), "utf8");
    expect(log.match(/agent listening on/g)).toHaveLength(1);
    const list = await syncOn(dir.socket, "list", "-o", "json");
    expect(JSON.parse(list.stdout).map((u: { unit_name: string }) => u.unit_name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `unit-${i}`),
    );
    stopAgent(pid);
    await waitFor("the agent to stop", () => !existsSync(dir.socket));
  });

  test("--no-autostart and UNITSYNC_AUTOSTART=0 turn it off: exit 3, nothing started", async () => {
    using dir = tempDir();
    const off = await run(["exp", "sync", "want", "a", "b", "--no-autostart", "--socket-path", dir.socket], {
      env: ON,
    });
    const env = await run(["exp", "sync", "start", "a", "--socket-path", dir.socket], {
      env: { UNITSYNC_AUTOSTART: "0" },
    });
    for (const result of [off, env]) {
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toStartWith(
        `error: cannot reach the unitsync agent at ${dir.socket}: no socket there\n`,
      );
    }
    expect(existsSync(dir.socket)).toBe(false);
    expect(existsSync(join(dir.path, "agent.log"))).toBe(false);
  });

  test("ping, status and list never autostart", async () => {
    using dir = tempDir();
    for (const args of [["ping"], ["status", "a"], ["list"]]) {
      const result = await syncOn(dir.socket, ...args);
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain("no socket there");
    }
    expect(existsSync(dir.socket)).toBe(false);
  });

  test("a stale socket left by a killed agent is retried briefly, then replaced by a new agent", async () => {
    using dir = tempDir();
    {
      await using agent = await startAgent(dir.socket);
      agent.proc.kill("SIGKILL");
      await agent.proc.exited;
    }
    expect(existsSync(dir.socket)).toBe(true);
    // Off: the refused socket is retried for about a second, then reported.
    const refused = await sync(dir.socket, "want", "a", "b");
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain("connection refused");
    // On: a new agent takes the stale path over.
    const result = await syncOn(dir.socket, "want", "a", "b");
    expect(result).toMatchObject({ exitCode: 0, stdout: 'Unit "a" declared dependencies: [b]\n' });
    const pid = await agentPid(dir.socket);
    expect(result.stderr).toContain(`started one (pid ${pid}`);
    stopAgent(pid);
    await waitFor("the agent to stop", () => !existsSync(dir.socket));
  });

  test("an agent that is already running is used as is, with no message", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const result = await syncOn(dir.socket, "want", "a", "b");
    expect(result).toEqual({ exitCode: 0, stdout: 'Unit "a" declared dependencies: [b]\n', stderr: "" });
    expect(existsSync(join(dir.path, "agent.log"))).toBe(false);
  });
});
