import pkg from "../../package.json" with { type: "json" };
import { type AgentLog, createAgentLog, type LogFormat } from "../agent/log.ts";
import { discoverScripts } from "../agent/scripts/discover.ts";
import { type PlannedScript, planScripts } from "../agent/scripts/headers.ts";
import { createOutputSink, defaultLogDir } from "../agent/scripts/output.ts";
import { type Reaper, startOrphanReaper } from "../agent/scripts/reaper.ts";
import { type RunReport, ScriptRunner } from "../agent/scripts/runner.ts";
import { exitStatusOf, renderSummary, summaryJson } from "../agent/scripts/summary.ts";
import { startAgent } from "../agent/server.ts";
import { defineCommand } from "../lib/cli/command.ts";
import { parseDuration } from "../lib/duration.ts";
import { ExitCode, UnitsyncError, usageError } from "../lib/errors.ts";
import { resolveSocketPath } from "../lib/socket-path.ts";
import { socketArgs } from "./_args.ts";

export default defineCommand({
  meta: {
    name: "agent",
    description:
      "Run the agent: the socket server that owns the dependency graph, and optionally the startup scripts",
  },
  args: {
    ...socketArgs,
    "socket-server-enabled": {
      type: "string",
      valueHint: "true|false",
      description: "Serve the socket (env CODER_AGENT_SOCKET_SERVER_ENABLED; default true)",
    },
    "log-format": {
      type: "enum",
      options: ["text", "json"],
      default: "text",
      description: "Log format: text lines, or one JSON object per line",
    },
    scripts: {
      type: "string",
      valueHint: "dir",
      multiple: true,
      description:
        "Run every executable file in DIR as a unit, in parallel, ordered by their `# unitsync: want=...` headers (repeatable)",
    },
    script: {
      type: "string",
      valueHint: "file",
      multiple: true,
      description: "Run FILE as a unit, like the files of --scripts (repeatable)",
    },
    "log-dir": {
      type: "string",
      valueHint: "dir",
      description:
        "Keep each script's output in DIR/<unit>.log (default: <socket name>-logs beside the socket)",
    },
    "exit-when-done": {
      type: "boolean",
      description:
        "Exit when every script has finished: 0 if all completed, 1 otherwise (default: keep serving)",
    },
    timeout: {
      type: "string",
      valueHint: "duration",
      description:
        "Bound the scripts' whole run (90s, 5m); then running scripts are stopped and their units fail with `timeout` (exit 124 with --exit-when-done)",
    },
  },
  async run({ args }) {
    const log = createAgentLog(args["log-format"] as LogFormat);
    const dirs = args.scripts;
    const files = args.script;
    const withScripts = dirs.length + files.length > 0;
    if (!withScripts) {
      for (const flag of ["exit-when-done", "timeout", "log-dir"] as const) {
        if (args[flag] !== undefined && args[flag] !== false)
          throw usageError(`--${flag} needs --scripts DIR or --script FILE`);
      }
    }
    const timeoutMs = args.timeout === undefined ? 0 : parseDuration(args.timeout);
    const enabled = parseBool(
      args["socket-server-enabled"] ?? process.env.CODER_AGENT_SOCKET_SERVER_ENABLED ?? "true",
    );
    if (!enabled) {
      if (withScripts) {
        throw usageError(
          "--scripts and --script need the socket server, but it is disabled (--socket-server-enabled=false)",
        );
      }
      log.info("socket server disabled (--socket-server-enabled=false); nothing to do");
      return;
    }
    // Every header mistake is reported before the socket is bound or anything runs.
    const scripts = withScripts ? loadScripts(dirs, files, log) : undefined;

    const socketPath = resolveSocketPath(args["socket-path"]);
    // Listen for signals first: as PID 1, a signal without a handler would be ignored by the kernel.
    const signals = watchSignals();
    let agent: Awaited<ReturnType<typeof startAgent>>;
    try {
      agent = await startAgent({ socketPath, version: pkg.version, log });
    } catch (error) {
      signals.dispose();
      throw error;
    }
    log.info(`unitsync ${pkg.version} agent listening on ${agent.socketPath} (pid ${process.pid})`);
    let runner: ScriptRunner | undefined;
    let reaper: Reaper | undefined;
    try {
      if (process.pid === 1) {
        reaper = await startOrphanReaper((pid) => runner?.owns(pid) ?? false, log.warn);
        if (reaper) log.info("running as PID 1: reaping orphaned processes");
      }
      if (scripts && !signals.received()) {
        const logDir = args["log-dir"] ?? defaultLogDir(socketPath);
        runner = new ScriptRunner({
          units: agent.units,
          scripts,
          socketPath,
          logDir,
          output: createOutputSink(args["log-format"] as LogFormat),
          log,
          timeoutMs,
        });
        log.info(`running ${scripts.length} script${scripts.length === 1 ? "" : "s"}; logs in ${logDir}`);
        runner.start();
        const first = await Promise.race([runner.done, signals.first]);
        let report: RunReport;
        if (typeof first === "string") {
          log.info(`received ${first}; stopping the scripts`);
          const active = runner;
          active.stop(first);
          signals.onAgain((again) => {
            log.info(`received ${again} again; killing the scripts`);
            active.stop(again);
          });
          report = await runner.done;
        } else report = first;
        printSummary(report, args["log-format"] as LogFormat, log);
        if (report.stoppedBy !== undefined) {
          // Stopping the agent is the normal end of serving; a one-shot run that was cut short is not a success.
          if (args["exit-when-done"]) process.exitCode = 128 + (SIGNAL_NUMBERS[report.stoppedBy] ?? 15);
          return;
        }
        if (args["exit-when-done"]) {
          process.exitCode = exitStatusOf(report);
          return;
        }
        if (report.timedOut) log.warn("the scripts timed out; the agent keeps serving");
      }
      const signal = await signals.first;
      log.info(`received ${signal}; shutting down`);
    } finally {
      runner?.closeOutput();
      reaper?.stop();
      await agent.stop();
      signals.dispose();
      log.info("agent stopped");
    }
  },
});

// --- internal ---

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

function parseBool(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw usageError(`invalid boolean "${text}" for --socket-server-enabled; use true or false`);
}

/** Finds the scripts and reads their headers; every problem is printed, then the agent exits 2. */
function loadScripts(dirs: string[], files: string[], log: AgentLog): PlannedScript[] {
  const found = discoverScripts(dirs, files);
  const plan = planScripts(found.sources);
  for (const warning of [...found.warnings, ...plan.warnings]) log.warn(warning);
  const errors = [...found.errors, ...plan.errors];
  if (errors.length > 0) {
    for (const error of errors) process.stderr.write(`error: ${error}\n`);
    throw new UnitsyncError(
      `${errors.length} problem${errors.length === 1 ? "" : "s"} in the startup scripts; nothing was run`,
      ExitCode.usage,
      "invalid_scripts",
    );
  }
  if (plan.scripts.length === 0) log.warn(`no scripts found in ${[...dirs, ...files].join(", ")}`);
  return plan.scripts;
}

function printSummary(report: RunReport, format: LogFormat, log: AgentLog): void {
  if (format === "json") {
    process.stderr.write(`${JSON.stringify(summaryJson(report))}\n`);
    return;
  }
  log.info("startup scripts finished:");
  process.stderr.write(`${renderSummary(report)}\n`);
}

/** SIGINT/SIGTERM as a promise of the first one, a hook for the next ones, and a way to stop listening. */
function watchSignals() {
  const first = Promise.withResolvers<string>();
  let again: ((signal: string) => void) | undefined;
  let seen = 0;
  const handler = (signal: string) => {
    seen++;
    if (seen === 1) first.resolve(signal);
    else again?.(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    first: first.promise,
    received: () => seen > 0,
    onAgain: (fn: (signal: string) => void) => {
      again = fn;
    },
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
