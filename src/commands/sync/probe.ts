import type { AgentClient } from "../../client/client.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { formatDuration, parseDuration } from "../../lib/duration.ts";
import { ExitCode, UnitsyncError, usageError } from "../../lib/errors.ts";
import {
  describeProbe,
  failureReason,
  PROBE_DEFAULTS,
  type ProbeSpec,
  parseProbe,
  waitUntilReady,
} from "../../lib/probe.ts";
import { signalNumber } from "../../lib/signals.ts";
import { MAX_REASON_LENGTH } from "../../protocol/wire.ts";
import { autostartArgs, socketArgs, unitArg, wantArgs, wantList } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";
import { startUnit } from "./_start-unit.ts";

/** The signals that stop a probe (the ones a supervisor or a terminal sends). */
const STOPPING = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const EXAMPLE = "e.g. unitsync exp sync probe db --tcp 127.0.0.1:5432";

export default defineCommand({
  meta: {
    name: "probe",
    description:
      "A unit that completes when a condition holds: wait for its --want units, then check a port, URL, file or command until it does (or fail the unit at --timeout)",
  },
  args: {
    ...unitArg,
    ...wantArgs,
    tcp: {
      type: "string",
      valueHint: "host:port",
      description: "Ready when a TCP connect to HOST:PORT succeeds",
    },
    http: {
      type: "string",
      valueHint: "url",
      description:
        "Ready when a GET of the http:// or https:// URL answers 2xx or 3xx (certificates not checked)",
    },
    file: { type: "string", valueHint: "path", description: "Ready when the path exists" },
    exec: { type: "string", valueHint: "command", description: "Ready when the shell command exits 0" },
    interval: {
      type: "string",
      default: PROBE_DEFAULTS.interval,
      valueHint: "duration",
      description: "The longest pause between two checks (the first pauses are shorter: 50 ms, doubling)",
    },
    "check-timeout": {
      type: "string",
      default: PROBE_DEFAULTS.checkTimeout,
      valueHint: "duration",
      description:
        "Each check's own deadline: a connect or command that takes longer counts as a failed check",
    },
    timeout: {
      type: "string",
      default: PROBE_DEFAULTS.timeout,
      valueHint: "duration",
      description:
        "How long to wait in all, for the dependencies and then the condition, as a Go duration; 0 waits forever",
    },
    ...socketArgs,
    ...autostartArgs,
  },
  async run({ args }) {
    const spec = probeOf(args);
    const wants = [...new Set([args.want ?? []].flat().flatMap(wantList))];
    checkNames(args.unit, ...wants);
    const unit = args.unit;
    const timeoutMs = parseDuration(args.timeout);
    const intervalMs = positive("--interval", args.interval);
    const checkTimeoutMs = positive("--check-timeout", args["check-timeout"]);
    const client = clientFor(args, { autostart: true });
    const say = (text: string) => console.error(text);
    const began = performance.now();

    const stopping = new AbortController();
    let caught: NodeJS.Signals | undefined;
    const stop = (signal: NodeJS.Signals) => {
      caught ??= signal;
      stopping.abort();
    };
    for (const signal of STOPPING) process.on(signal, stop);
    try {
      const request = { unit, timeout_ms: timeoutMs, ...(wants.length > 0 && { depends_on: wants }) };
      try {
        await startUnit(client, request, say, stopping.signal);
      } catch (error) {
        throw await failedWaiting(client, unit, error, caught);
      }
      if (caught) throw await interrupted(client, unit, caught);

      // One budget for the whole call: what the dependencies took is not given again to the checks,
      // except that there is always time for one whole check (a reason from a check cut to 1 ms
      // would only say that time ran out).
      const left = timeoutMs === 0 ? 0 : Math.max(checkTimeoutMs, timeoutMs - (performance.now() - began));
      let lastShown: string | undefined;
      const outcome = await waitUntilReady(
        spec,
        { intervalMs, timeoutMs: left, checkTimeoutMs },
        {
          signal: stopping.signal,
          onCheck: (result) => {
            // One line when the first check fails and one whenever the reason changes, not one per check.
            if (result.ok || result.error === lastShown || stopping.signal.aborted) return;
            lastShown = result.error;
            say(`Unit "${unit}" is waiting for ${describeProbe(spec)}: ${result.error}`);
          },
        },
      );
      if (outcome.ok) {
        await client.complete(unit);
        const checks = `${outcome.checks} ${outcome.checks === 1 ? "check" : "checks"}`;
        say(
          `Unit "${unit}" completed: ${describeProbe(spec)} is ready (${checks}, ${formatDuration(outcome.elapsedMs)})`,
        );
        return;
      }
      if (caught) throw await interrupted(client, unit, caught);
      // The time the whole call took: a reason that reads "after 992ms" for --timeout 1s would puzzle.
      const reason = failureReason(spec, { ...outcome, elapsedMs: performance.now() - began });
      await markFailed(client, unit, reason);
      throw new UnitsyncError(`unit "${unit}" ${reason}`, ExitCode.timeout, "timeout");
    } finally {
      for (const signal of STOPPING) process.off(signal, stop);
    }
  },
});

// --- internal ---

/** The one condition the flags name; a usage error for none or several. */
function probeOf(args: { tcp?: string; http?: string; file?: string; exec?: string }): ProbeSpec {
  const given = (["tcp", "http", "file", "exec"] as const).filter((kind) => args[kind] !== undefined);
  if (given.length === 0)
    throw usageError("missing condition: give one of --tcp, --http, --file, --exec", EXAMPLE);
  if (given.length > 1) {
    throw usageError(`give one condition, not ${given.map((kind) => `--${kind}`).join(" and ")}`, EXAMPLE);
  }
  const kind = given[0] as "tcp" | "http" | "file" | "exec";
  const value = args[kind] as string;
  // --http takes the whole URL; the others their value after the probe's prefix.
  return parseProbe(kind === "http" ? value : `${kind}:${value}`);
}

function positive(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw usageError(`${flag} must be more than 0, got "${text}"`);
  return ms;
}

/**
 * The wait for the dependencies ended without starting the unit: a dependency failed, the timeout
 * passed or a signal came. Fails the unit for those reasons, so dependents stop waiting too;
 * other refusals (a cycle, a unit started elsewhere) are not this call's to fail.
 */
async function failedWaiting(
  client: AgentClient,
  unit: string,
  error: unknown,
  signal: NodeJS.Signals | undefined,
): Promise<unknown> {
  if (signal) return interrupted(client, unit, signal);
  if (error instanceof UnitsyncError && error.code === "dependency_failed") {
    await markFailed(client, unit, error.message);
  } else if (error instanceof UnitsyncError && error.code === "timeout") {
    await markFailed(client, unit, "timeout waiting for dependencies");
  }
  return error;
}

async function interrupted(
  client: AgentClient,
  unit: string,
  signal: NodeJS.Signals,
): Promise<UnitsyncError> {
  const reason = `interrupted by ${signal} before it was ready`;
  await markFailed(client, unit, reason);
  return new UnitsyncError(reason, 128 + (await signalNumber(signal)), "interrupted");
}

/** Marks the unit failed; a problem doing so is printed, since the probe's own failure is what is reported. */
async function markFailed(client: AgentClient, unit: string, reason: string): Promise<void> {
  try {
    await client.fail(unit, reason.slice(0, MAX_REASON_LENGTH));
  } catch (error) {
    console.error(`error: could not mark unit "${unit}" failed: ${(error as Error).message}`);
  }
}
