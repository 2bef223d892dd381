import { constants } from "node:os";
import { UnitsyncError } from "../lib/errors.ts";

/**
 * The main command of entrypoint mode (`unitsync agent --scripts DIR -- COMMAND [ARGS...]`): the
 * process a container exists for (a shell, an IDE server), started once the startup has finished.
 * It inherits the agent's terminal and stays in the agent's process group, so an interactive shell
 * keeps job control and the terminal's own signals (Ctrl-C, window size) reach it directly.
 */
export interface MainCommand {
  readonly pid: number;
  /** Resolves with the status to exit with: its exit status, or 128 + the signal that killed it. */
  readonly exited: Promise<number>;
  /** Sends it a signal; a no-op once it has exited. */
  kill(signal: NodeJS.Signals): void;
}

/** Signals the agent passes on to the main command while it runs (what `docker stop`/`kill` send). */
export const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** Exit statuses of a shell for a command it cannot run. */
const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

/** Starts the main command; a command that cannot be run is a UnitsyncError with the shell's status. */
export function spawnMain(command: readonly string[], env: Record<string, string | undefined>): MainCommand {
  let proc: Bun.Subprocess<"inherit", "inherit", "inherit">;
  try {
    proc = Bun.spawn([...command], { stdio: ["inherit", "inherit", "inherit"], env });
  } catch (error) {
    const program = command[0] ?? "";
    const code = (error as { code?: string }).code;
    if (code === "EACCES") {
      throw new UnitsyncError(`cannot run ${program}: permission denied`, NOT_EXECUTABLE, "command_failed");
    }
    const reason =
      code === "ENOENT"
        ? `command not found: ${program}`
        : `cannot run ${program}: ${(error as Error).message}`;
    throw new UnitsyncError(reason, NOT_FOUND, "command_failed");
  }
  const exited = proc.exited.then(() => statusOf(proc));
  let done = false;
  exited.then(() => {
    done = true;
  });
  return {
    pid: proc.pid,
    exited,
    kill: (signal) => {
      if (!done) proc.kill(signal);
    },
  };
}

/** How a process ended, in words: `exit status 3`, `killed by SIGTERM`. */
export function describeStatus(status: number): string {
  if (status <= 128) return `exit status ${status}`;
  const name = Object.entries(constants.signals).find(([, number]) => number === status - 128)?.[0];
  return name ? `killed by ${name}` : `exit status ${status}`;
}

// --- internal ---

function statusOf(proc: Bun.Subprocess): number {
  const signal = proc.signalCode;
  if (signal) return 128 + ((constants.signals as Record<string, number>)[signal] ?? 0);
  return proc.exitCode ?? 1;
}
