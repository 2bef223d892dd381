/**
 * Faults: clients killed while they wait, an agent killed under its clients, and an agent stopped
 * with a hundred clients waiting. Nobody hangs, nothing is left half done.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Background, syncInBackground, untilWaiting, waiters } from "../_background.ts";
import { startAgent, sync, tempDir, waitFor } from "../_helpers.ts";

describe("faults", () => {
  test.concurrent("clients SIGKILLed while waiting leave their units unstarted", async () => {
    using dir = tempDir();
    await using _agent = await startAgent(dir.socket);
    const units = Array.from({ length: 20 }, (_, i) => `killed.${i}`);
    for (const unit of [...units, "survivor"])
      expect((await sync(dir.socket, "want", unit, "gate")).exitCode).toBe(0);
    const doomed = await launchWaiting(
      dir.socket,
      units.map((unit) => ["start", unit]),
    );
    const survivor = syncInBackground(dir.socket, "start", "survivor");
    await untilWaiting(dir.socket, units.length + 1);

    for (const client of doomed) client.proc.kill("SIGKILL");
    for (const client of doomed) {
      await client.done;
      expect(client.proc.signalCode).toBe("SIGKILL");
    }
    await waitFor(
      "the agent to drop the killed clients' waits",
      async () => (await waiters(dir.socket)) === 1,
      20_000,
    );

    expect((await sync(dir.socket, "start", "gate")).exitCode).toBe(0);
    expect((await sync(dir.socket, "complete", "gate")).exitCode).toBe(0);
    const released = await survivor.done;
    expect(released.exitCode).toBe(0);
    expect(released.stdout).toContain('Unit "survivor" finished waiting for dependencies: [gate]');

    // Ready now, but never started: nobody is running their scripts.
    const list = JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout) as {
      unit_name: string;
      status: string;
      is_ready: boolean;
    }[];
    for (const unit of units) {
      expect(list.find((row) => row.unit_name === unit)).toEqual({
        unit_name: unit,
        status: "pending",
        is_ready: true,
      });
    }
    expect(list.find((row) => row.unit_name === "survivor")?.status).toBe("started");
  });

  test.concurrent("an agent SIGKILLed: its clients exit 3 naming the socket, and the next agent recovers it", async () => {
    using dir = tempDir();
    const first = await startAgent(dir.socket);
    const apps = Array.from({ length: 9 }, (_, i) => `app.${i}`);
    for (const app of apps) expect((await sync(dir.socket, "want", app, "db")).exitCode).toBe(0);
    const blocked = await launchWaiting(dir.socket, [
      ...apps.map((app) => ["start", app, "--timeout", "0"]),
      ["wait", "db", "--timeout", "0"],
    ]);

    first.proc.kill("SIGKILL");
    await first.proc.exited;
    await first[Symbol.asyncDispose]();
    // The killed agent could not clean up: its socket file is left behind, stale.
    expect(existsSync(dir.socket)).toBe(true);

    for (const client of blocked) {
      const { exitCode, stderr } = await client.done;
      expect({ exitCode, names: stderr.includes(dir.socket) }).toEqual({ exitCode: 3, names: true });
    }
    for (const verb of [["ping"], ["want", "x", "y"], ["start", "x"], ["complete", "x"], ["list"]]) {
      const result = await sync(dir.socket, ...verb);
      expect({ verb, exitCode: result.exitCode }).toEqual({ verb, exitCode: 3 });
      expect(result.stderr).toContain(`error: cannot reach the unitsync agent at ${dir.socket}`);
    }

    await using _second = await startAgent(dir.socket);
    expect((await sync(dir.socket, "ping")).exitCode).toBe(0);
    expect((await sync(dir.socket, "list")).stdout).toBe("No units registered\n");
  });

  test.concurrent("SIGTERM with 100 clients waiting answers every one and removes the socket", async () => {
    using dir = tempDir();
    const agent = await startAgent(dir.socket);
    const commands = Array.from({ length: 100 }, (_, i) =>
      i % 4 === 3 ? ["wait", `dep.${i}`, "--timeout", "0"] : ["start", `unit.${i}`],
    );
    for (const [verb, unit] of commands) {
      if (verb === "start")
        expect((await sync(dir.socket, "want", unit as string, "never")).exitCode).toBe(0);
    }
    const blocked = await launchWaiting(dir.socket, commands);
    await untilWaiting(dir.socket, 100);

    agent.proc.kill("SIGTERM");
    expect(await agent.proc.exited).toBe(0);
    await agent[Symbol.asyncDispose]();
    const outcomes = await Promise.all(blocked.map((client) => client.done));
    for (const { exitCode, stderr } of outcomes) {
      // (`wait` first says what it waits for, on stderr too.)
      const last = stderr.trimEnd().split("\n").pop();
      expect({ exitCode, last }).toEqual({ exitCode: 3, last: "error: the agent is shutting down" });
    }
    expect(existsSync(dir.socket)).toBe(false);
    expect(agent.log()).toContain("received SIGTERM; shutting down");
  });
});

// --- internal ---

/**
 * Starts `exp sync <args>` clients that block, at most 25 in their start-up at a time (the machine
 * may have two cores): each counts until the agent reports one more waiter.
 */
async function launchWaiting(socket: string, commands: string[][]): Promise<Background[]> {
  const clients: Background[] = [];
  for (let i = 0; i < commands.length; i += 25) {
    const batch = commands.slice(i, i + 25).map((args) => syncInBackground(socket, ...args));
    clients.push(...batch);
    await waitFor(
      `${clients.length} clients to be waiting`,
      async () => (await waiters(socket)) >= clients.length,
      30_000,
    );
  }
  return clients;
}
