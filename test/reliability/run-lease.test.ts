/**
 * A unit started by `run` is tied to the wrapper: if the wrapper dies without a result (SIGKILL),
 * the agent fails the unit at once, so its dependents exit 4 instead of waiting until they time
 * out. A wrapper that finishes normally leaves the unit as it said.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { syncInBackground } from "../_background.ts";
import { run, startAgent, sync, tempDir, waitFor } from "../_helpers.ts";

describe("run's lease", () => {
  test.concurrent("a SIGKILLed run wrapper fails its unit, and its dependents exit 4 at once", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    const pidFile = join(dir.path, "child.pid");
    const wrapper = syncInBackground(
      dir.socket,
      "run",
      "kw",
      "--",
      "sh",
      "-c",
      `echo $$ > ${pidFile}; exec sleep 30`,
    );
    try {
      await waitFor(
        "the command to run",
        () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      );
      expect((await sync(dir.socket, "want", "app", "kw")).exitCode).toBe(0);
      const dependent = syncInBackground(dir.socket, "start", "app", "--timeout", "30s");
      await dependent.saw("is waiting for dependencies");

      wrapper.proc.kill("SIGKILL");
      const { exitCode, stderr } = await dependent.done;
      expect(exitCode).toBe(4);
      expect(stderr).toContain('kw failed: run wrapper for "kw" went away');
      const status = JSON.parse((await sync(dir.socket, "status", "kw", "-o", "json")).stdout);
      expect({ status: status.status, reason: status.reason }).toEqual({
        status: "failed",
        reason: 'run wrapper for "kw" went away',
      });
      expect(agent.log()).toContain('unit "kw" failed: run wrapper for "kw" went away');
    } finally {
      wrapper.proc.kill("SIGKILL");
      const pid = Number(readFileSync(pidFile, "utf8"));
      // The command outlives a SIGKILLed wrapper (docs/reliability.md says why); end it here.
      if (pid > 0) process.kill(pid, "SIGKILL");
    }
  });

  test.concurrent("a wrapper that finishes keeps the outcome it reported", async () => {
    using dir = tempDir();
    await using agent = await startAgent(dir.socket);
    // The socket flag before `--`: what follows is run's command.
    const runUnit = (unit: string, ...command: string[]) =>
      run(["exp", "sync", "run", unit, "--socket-path", dir.socket, "--", ...command]);
    expect((await runUnit("ok", "true")).exitCode).toBe(0);
    expect((await runUnit("bad", "sh", "-c", "exit 3")).exitCode).toBe(3);
    const listed = JSON.parse((await sync(dir.socket, "list", "-o", "json")).stdout);
    expect(listed.map((u: { unit_name: string; status: string }) => [u.unit_name, u.status])).toEqual([
      ["bad", "failed"],
      ["ok", "completed"],
    ]);
    expect(agent.log()).not.toContain("went away");
  });
});
