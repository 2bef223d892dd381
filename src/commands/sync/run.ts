import type { AgentClient } from "../../client/client.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { report } from "../../lib/cli/run.ts";
import { parseDuration } from "../../lib/duration.ts";
import { UnitsyncError } from "../../lib/errors.ts";
import { signalName, signalNumber } from "../../lib/signals.ts";
import { printLine } from "../../lib/stderr.ts";
import {
  autostartArgs,
  progressArgs,
  socketArgs,
  timeoutArgs,
  unitArg,
  wantArgs,
  wantList,
} from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";
import { type StartLease, startUnit } from "./_start-unit.ts";

/** The signals `run` passes on to its command (the ones a supervisor or a terminal sends). */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/**
 * How long `run` still tries to tell the agent about a failure once it is being stopped or has given
 * up waiting: a live agent answers in milliseconds, and a supervisor's SIGTERM must not be answered
 * by the whole answer deadline of a stopped agent. A second signal cuts even this short.
 */
const CLEANUP_MS = 2000;
/** Exit statuses of a shell for a command it cannot run. */
const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

export default defineCommand({
  meta: {
    name: "run",
    description:
      "Run the command after `--` as a unit: wait for its --want units, then complete the unit (exit 0) or fail it",
  },
  args: {
    ...unitArg,
    ...wantArgs,
    ...timeoutArgs,
    ...progressArgs,
    ...socketArgs,
    ...autostartArgs,
    // Last: the usage line reads `<UNIT> -- <command> [args...]`.
    command: {
      type: "positional",
      afterDashes: true,
      required: true,
      description: "The command to run and its arguments, after --",
    },
  },
  async run({ args }) {
    const { unit, command } = args;
    const wants = [...new Set(args.want.flatMap(wantList))];
    checkNames(unit, ...wants);
    const timeoutMs = parseDuration(args.timeout);
    const progressMs = parseDuration(args["progress-interval"]);
    const client = clientFor(args, { autostart: true });
    // stderr, uncoloured: stdout belongs to the command.
    const say = printLine;

    // Handlers go in before the wait: a signal that arrives between `start` and the spawn must
    // not leave the unit started forever with nothing running.
    let child: Bun.Subprocess | undefined;
    let caught: NodeJS.Signals | undefined;
    let signalled = false;
    const waiting = new AbortController();
    const cleanup = new AbortController();
    const forward = (signal: NodeJS.Signals) => {
      signalled = true;
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      // The command has ended, or a second signal came before it ran: stop reporting, exit.
      else if (child || caught) cleanup.abort();
      else {
        caught = signal;
        waiting.abort();
      }
    };
    /** What bounds a call that reports a failure: CLEANUP_MS, or a second signal. */
    const bounded = () => AbortSignal.any([cleanup.signal, AbortSignal.timeout(CLEANUP_MS)]);
    for (const signal of FORWARDED) process.on(signal, forward);
    let lease: StartLease | undefined;
    try {
      // `hold`: the start's answer stays open while the command runs. It is the lease on the unit:
      // if this wrapper dies without completing or failing it (SIGKILL), the agent fails the unit.
      const request = {
        unit,
        timeout_ms: timeoutMs,
        hold: true,
        ...(wants.length > 0 && { depends_on: wants }),
      };
      try {
        lease = await startUnit(client, request, say, waiting.signal, progressMs);
      } catch (error) {
        throw await failedBeforeRunning(client, unit, error, caught, bounded);
      }
      if (caught) throw await failedBeforeRunning(client, unit, undefined, caught, bounded);

      try {
        child = Bun.spawn(command, {
          stdio: ["inherit", "inherit", "inherit"],
          // The command's own calls to unitsync reach the same agent, and it knows its unit.
          env: { ...process.env, UNITSYNC_UNIT: unit, UNITSYNC_SOCKET_PATH: client.socketPath },
        });
      } catch (error) {
        const [reason, status] = spawnProblem(command[0] as string, error);
        await markFailed(client, unit, reason);
        throw new UnitsyncError(reason, status, "command_failed");
      }
      await child.exited;
      process.exitCode = await finish(client, unit, child, say, signalled ? bounded() : undefined);
    } finally {
      // After the unit was completed or failed above: released earlier, the agent would fail it.
      await lease?.release();
      for (const signal of FORWARDED) process.off(signal, forward);
    }
  },
});

// --- internal ---

/**
 * The command will not run: the wait failed (a dependency failed, it timed out) or a signal came
 * first. Marks the unit failed for those reasons, so the failure travels on to its dependents,
 * and returns the error to exit with. Other refusals (a cycle, a unit already started elsewhere)
 * leave the unit alone: it is not this run's to fail.
 */
async function failedBeforeRunning(
  client: AgentClient,
  unit: string,
  error: unknown,
  signal: NodeJS.Signals | undefined,
  bounded: () => AbortSignal,
): Promise<unknown> {
  if (signal) {
    await markFailed(client, unit, `interrupted by ${signal} before the command ran`, bounded());
    return new UnitsyncError(
      `interrupted by ${signal} before the command ran`,
      128 + (await signalNumber(signal)),
      "interrupted",
    );
  }
  if (error instanceof UnitsyncError && error.code === "dependency_failed") {
    await markFailed(client, unit, error.message, bounded());
  } else if (error instanceof UnitsyncError && error.code === "timeout") {
    await markFailed(client, unit, "timeout waiting for dependencies", bounded());
  }
  return error;
}

/** Completes or fails the unit by how the command ended; returns the exit status to pass on. */
async function finish(
  client: AgentClient,
  unit: string,
  child: Bun.Subprocess,
  say: (text: string) => void,
  bound: AbortSignal | undefined,
): Promise<number> {
  const signal = child.signalCode;
  const status = signal ? 128 + (await signalNumber(signal)) : (child.exitCode ?? 1);
  if (status === 0) {
    // The command succeeded: if the unit cannot be completed, dependents would wait in vain, so
    // that is this run's failure (the error's own exit code).
    await client.complete(unit, bound);
    say(`Unit "${unit}" completed`);
    return status;
  }
  const reason = signal ? `killed by ${await signalName(signal)}` : `exit status ${status}`;
  if (await markFailed(client, unit, reason, bound)) say(`Unit "${unit}" failed: ${reason}`);
  return status;
}

/**
 * Marks the unit failed. A problem doing so is printed, not thrown: the command's own failure
 * (and its exit status) is what the caller reports.
 */
async function markFailed(
  client: AgentClient,
  unit: string,
  reason: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.fail(unit, reason, signal);
    return true;
  } catch (error) {
    const name = (error as Error).name;
    const why =
      name === "TimeoutError"
        ? "the agent did not answer in time"
        : name === "AbortError"
          ? "interrupted"
          : (error as Error).message;
    report(new UnitsyncError(`could not mark unit "${unit}" failed: ${why}`));
    return false;
  }
}

/** Why the command could not be started, and the status a shell would exit with. */
function spawnProblem(program: string, error: unknown): [string, number] {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return [`command not found: ${program}`, NOT_FOUND];
  if (code === "EACCES") return [`cannot run ${program}: permission denied`, NOT_EXECUTABLE];
  return [`cannot run ${program}: ${(error as Error).message}`, NOT_FOUND];
}
