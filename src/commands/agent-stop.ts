import { existsSync, readFileSync } from "node:fs";
import { defineCommand } from "../lib/cli/command.ts";
import { parseDuration } from "../lib/duration.ts";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { resolveSocketPath } from "../lib/socket-path.ts";
import { probeAgent } from "../protocol/agent-probe.ts";
import { socketArgs } from "./_args.ts";

/**
 * `unitsync agent stop`: asks the agent at the socket to stop (SIGTERM, as a supervisor would: it
 * answers its waiting clients, stops its scripts, removes the socket) and waits until its process
 * is gone, so that what follows (another agent, the end of a demo) finds nothing left running.
 */
export default defineCommand({
  meta: {
    name: "stop",
    description:
      "Stop the agent that serves the socket and wait until it has exited (exit 0 too when none is running)",
  },
  args: {
    ...socketArgs,
    timeout: {
      type: "string",
      default: "30s",
      valueHint: "duration",
      description:
        "How long to wait for the agent to exit (it first stops its scripts); then exit 124, leaving it running",
    },
  },
  async run({ args }) {
    const socketPath = resolveSocketPath(args["socket-path"]);
    const timeoutMs = parseDuration(args.timeout);
    const { probe, pid } = await probeAgent(socketPath);
    if (probe === "foreign") {
      throw new UnitsyncError(
        `${socketPath} is served by a program that is not a unitsync agent; not stopping it`,
        ExitCode.unreachable,
        "foreign",
      );
    }
    if (probe !== "unitsync") {
      console.log(`No agent is serving ${socketPath}`);
      return;
    }
    if (pid === undefined || !looksLikeAgent(pid)) {
      // The pid it reports is not an agent here: it runs in another PID namespace (a container).
      throw new UnitsyncError(
        `the agent at ${socketPath} runs where this command cannot signal it (pid ${pid ?? "unknown"} here is not a unitsync agent)`,
        ExitCode.refused,
        "not_signalable",
        "stop it where it runs, e.g. inside its container",
      );
    }
    signal(pid, "SIGTERM");
    const deadline = Date.now() + timeoutMs;
    while (isRunning(pid)) {
      if (timeoutMs > 0 && Date.now() > deadline) {
        throw new UnitsyncError(
          `the agent (pid ${pid}) has not exited after ${args.timeout}; it may still be stopping its scripts`,
          ExitCode.timeout,
          "timeout",
          `wait longer with --timeout, or kill it: kill -KILL ${pid}`,
        );
      }
      await Bun.sleep(20); // poll interval; the deadline above bounds the wait
    }
    console.log(`Stopped the agent at ${socketPath} (pid ${pid})`);
  },
});

// --- internal ---

/** Whether `pid` is, as far as this system shows, a unitsync agent (on Linux: by its command line). */
function looksLikeAgent(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return !existsSync("/proc/self"); // without /proc (macOS) there is nothing to check
  }
  return cmdline.split("\0").includes("agent");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ESRCH") return; // already gone
    throw new UnitsyncError(
      `cannot signal the agent (pid ${pid}): ${code === "EPERM" ? "it belongs to another user" : (error as Error).message}`,
      ExitCode.refused,
      "not_signalable",
    );
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
  // A zombie (exited, not yet reaped by its parent) has stopped serving: it counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
