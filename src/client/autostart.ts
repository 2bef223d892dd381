import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { besideSocket } from "../lib/socket-path.ts";
import type { RecoveryBounds } from "./client.ts";

/**
 * Autostart: the verbs that need an agent (`want`, `start`, `run`, `wait`) start one in the
 * background when none answers at their socket path. Nothing here runs while an agent answers:
 * the client calls the recovery hook only on "unreachable", and what launching needs is loaded then.
 */

/** Environment variable that turns autostart off (`0`, `false`, `no`, `off`). */
export const AUTOSTART_ENV = "UNITSYNC_AUTOSTART";
/** How long a client waits for the agent it started (or a rival's) to answer. */
export const AUTOSTART_DEADLINE_MS = 5000;
/** How long a client keeps trying a socket that exists but refuses connections before giving up on it. */
export const REFUSED_RETRY_MS = 1000;

/** Whether autostart is on: the `--autostart` flag (false with `--no-autostart`), then UNITSYNC_AUTOSTART. */
export function autostartEnabled(
  flag: boolean | undefined,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (flag === false) return false;
  const value = (env[AUTOSTART_ENV] ?? "").trim().toLowerCase();
  return !["0", "false", "no", "off"].includes(value);
}

/** The log file of an autostarted agent: beside the socket, named after it (`agent.sock` logs to `agent.log`). */
export function autostartLogPath(socketPath: string): string {
  return besideSocket(socketPath, ".log");
}

/**
 * The client's recovery hook for the verbs that need an agent: when a request finds nobody at the
 * socket, retry a socket that refuses connections for a moment (an agent may be starting), then, if
 * autostart is on, start an agent; the client then sends the request again.
 */
export function autostartRecovery(
  socketPath: string,
  autostart: boolean,
): (error: UnitsyncError, bounds: RecoveryBounds) => Promise<void> {
  return (error, bounds) => ensureAgent(socketPath, autostart, error, bounds);
}

/**
 * Makes sure an agent answers at `socketPath`: waits up to REFUSED_RETRY_MS for a socket that
 * exists but refuses, then (if allowed) starts `unitsync agent` detached in its own session, logging
 * to a file beside the socket, and waits up to AUTOSTART_DEADLINE_MS for it. Several clients racing
 * here each start an agent; the agents' atomic bind lets exactly one win, the others exit 1, and
 * every client ends up talking to the winner. The call's deadline and cancellation (`bounds`) cut
 * every wait short: `--timeout` bounds the whole call, autostart included.
 */
export async function ensureAgent(
  socketPath: string,
  autostart: boolean,
  original: Error,
  bounds: RecoveryBounds = {},
): Promise<void> {
  const until = (ms: number) => Math.min(Date.now() + ms, bounds.deadline ?? Number.POSITIVE_INFINITY);
  const stillWaiting = (deadline: number) => {
    bounds.signal?.throwIfAborted();
    return Date.now() < deadline;
  };
  const [{ probeSocket, probeAgent }, { ensureSocketDir }] = await Promise.all([
    import("../protocol/agent-probe.ts"),
    import("../lib/socket-dir.ts"),
  ]);
  let probe = await probeSocket(socketPath, 1000);
  for (const deadline = until(REFUSED_RETRY_MS); probe === "stale" && stillWaiting(deadline); ) {
    await Bun.sleep(50);
    probe = await probeSocket(socketPath, 1000);
  }
  if (probe === "unitsync") return;
  if (probe === "foreign" || !autostart) throw original;

  ensureSocketDir(socketPath);
  const { openSync, closeSync, readFileSync } = await import("node:fs");
  const logPath = autostartLogPath(socketPath);
  const fd = openSync(logPath, "a", 0o600);
  let proc: Bun.Subprocess;
  try {
    proc = Bun.spawn([...agentCommand(), "agent", "--socket-path", socketPath], {
      // Not the caller's directory: a long-lived daemon should not keep a mount busy.
      cwd: "/",
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
      // A new session: the agent outlives this client and ignores its terminal's signals.
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  proc.unref();

  for (const deadline = until(AUTOSTART_DEADLINE_MS); stillWaiting(deadline); ) {
    const { pid } = await probeAgent(socketPath, 1000);
    if (pid !== undefined) {
      if (pid === proc.pid) {
        process.stderr.write(
          `unitsync: no agent was answering at ${socketPath}; started one (pid ${pid}, log ${logPath})\n`,
        );
      }
      return;
    }
    // "Cannot serve" is mostly "another agent is already serving": a rival won the race and will answer.
    if (proc.exitCode !== null && proc.exitCode !== ExitCode.cannotServe) break;
    await Bun.sleep(20);
  }
  const tail = lastLine(readFileSync(logPath, "utf8"));
  throw new UnitsyncError(
    `started an agent at ${socketPath}, but it did not answer${tail ? `: ${tail}` : ""}`,
    ExitCode.unreachable,
    "unreachable",
    `see ${logPath}`,
  );
}

// --- internal ---

/** How to run this very program: the compiled binary itself, or bun with the entry script in development. */
function agentCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/")
    ? [process.execPath]
    : [process.execPath, Bun.main];
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").pop()?.trim() ?? "";
}
