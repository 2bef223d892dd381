import pkg from "../../package.json" with { type: "json" };
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { isCheckProcess } from "../lib/probe.ts";
import type { MainOptions } from "./entrypoint.ts";
import { type AgentLog, createAgentLog, type LogFormat, stderrLine } from "./log.ts";
import { discoverScripts } from "./scripts/discover.ts";
import { type PlannedScript, planScripts } from "./scripts/headers.ts";
import { prepareLogDir } from "./scripts/log-files.ts";
import { createOutputSink, defaultLogDir } from "./scripts/output.ts";
import { type Reaper, startOrphanReaper } from "./scripts/reaper.ts";
import { type RunReport, ScriptRunner } from "./scripts/runner.ts";
import { exitStatusOf, renderSummary, summaryJson } from "./scripts/summary.ts";
import { scriptTrustProblem } from "./scripts/trust.ts";
import { startAgent } from "./server.ts";
import { openSharedUnits, type SharedAgentUnits, type StoreConfig } from "./store/config.ts";
import { createUnits, Refusal, type Units } from "./units.ts";

/** What `unitsync agent` was asked to do, its flags already parsed and checked. */
export interface AgentRunOptions {
  socketPath: string;
  /** Serve the socket (false: --socket-server-enabled=false, there is nothing to do). */
  serve: boolean;
  logFormat: LogFormat;
  /** With --scripts/--script: the startup scripts to run as units. */
  scripts?: ScriptsOptions;
  /** With --store: the graph is shared with the other agents of a namespace. */
  store?: StoreConfig;
  /** With --socket-group: the gid whose members may use the socket. */
  socketGroup?: number;
  /** Entrypoint mode (`-- COMMAND...`): the main command to run once the startup has finished. */
  main?: MainOptions;
  /** With --before-all: units every other unit depends on, declared before the socket answers anyone. */
  beforeAll?: readonly string[];
}

export interface ScriptsOptions {
  dirs: readonly string[];
  files: readonly string[];
  /** Where each script's output is kept; default: beside the socket. */
  logDir?: string;
  /** One-shot: exit when every script has finished, with their status. */
  exitWhenDone: boolean;
  /** Bounds the scripts' whole run; 0 means no bound. */
  timeoutMs: number;
  /** Run scripts that others could have written (world-writable, another owner) anyway. */
  allowUnsafe?: boolean;
}

/**
 * The agent's whole life: checks the scripts, binds the socket, runs the scripts, serves until
 * SIGINT/SIGTERM (or, one-shot, until the scripts are done), then shuts down cleanly. Returns the
 * exit status to set; refusals are thrown as UnitsyncError.
 */
export async function runAgent(options: AgentRunOptions): Promise<number> {
  const log = await createAgentLog(options.logFormat);
  if (!options.serve) {
    log.info("socket server disabled (--socket-server-enabled=false); nothing to do");
    return ExitCode.ok;
  }
  const { socketPath } = options;
  // Every header mistake is reported before the socket is bound or anything runs.
  const scripts =
    options.scripts &&
    loadScripts(options.scripts, log, options.store !== undefined, options.beforeAll ?? []);
  const logDir = options.scripts && (options.scripts.logDir ?? defaultLogDir(socketPath));
  if (logDir) prepareLogDir(logDir);

  // Listen for signals first: as PID 1, a signal without a handler would be ignored by the kernel.
  const signals = watchSignals();
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let shared: SharedAgentUnits | undefined;
  try {
    // Join the store before binding: an agent that cannot reach it never answers a client.
    if (options.store) {
      shared = await openSharedUnits(options.store, (level, message) =>
        level === "info" ? log.info(message) : log.warn(message),
      );
      log.info(`sharing the graph through ${shared.units.info().store.url}`);
    }
    const units = shared?.units ?? createUnits();
    // Before the socket answers: no unit can be registered ahead of the before-all ones (from
    // --before-all, then the scripts' `before=*` headers).
    const first = [
      ...(options.beforeAll ?? []),
      ...(scripts ?? []).filter((s) => s.beforeAll).map((s) => s.unit),
    ];
    for (const unit of first) await declareBeforeAll(units, unit);
    agent = await startAgent({
      socketPath,
      version: pkg.version,
      log,
      units,
      ...(options.socketGroup !== undefined && { socketGroup: options.socketGroup }),
    });
  } catch (error) {
    await shared?.close();
    signals.dispose();
    throw error;
  }
  log.info(`unitsync ${pkg.version} agent listening on ${agent.socketPath} (pid ${process.pid})`);
  let runner: ScriptRunner | undefined;
  let reaper: Reaper | undefined;
  let mainPid: number | undefined;
  // Loaded in entrypoint mode only, with the main command's signal table (node:os).
  const entrypoint = async (main: MainOptions) => {
    const { runEntrypoint } = await import("./entrypoint.ts");
    return runEntrypoint({
      main,
      units: agent.units,
      ...(runner && { runner }),
      socketPath,
      log,
      firstSignal: signals.first,
      printSummary: (report) => printSummary(report, options.logFormat, log),
      ownPid: (pid) => {
        mainPid = pid;
      },
    });
  };
  try {
    if (process.pid === 1) {
      // Bun reaps the processes it spawned (scripts, the main command, exec checks) itself.
      const own = (pid: number) => (runner?.owns(pid) ?? false) || pid === mainPid || isCheckProcess(pid);
      reaper = await startOrphanReaper(own, log.warn);
      if (reaper) log.info("running as PID 1: reaping orphaned processes");
    }
    if (options.scripts && scripts && logDir && !signals.received()) {
      const { exitWhenDone, timeoutMs } = options.scripts;
      runner = new ScriptRunner({
        units: agent.units,
        scripts,
        socketPath,
        logDir,
        output: createOutputSink(options.logFormat),
        log,
        timeoutMs,
      });
      log.info(`running ${scripts.length} script${scripts.length === 1 ? "" : "s"}; logs in ${logDir}`);
      runner.start();
      if (options.main) return await entrypoint(options.main);
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
      printSummary(report, options.logFormat, log);
      if (report.stoppedBy !== undefined) {
        // Stopping the agent is the normal end of serving; a one-shot run that was cut short is not a success.
        return exitWhenDone ? 128 + (SIGNAL_NUMBERS[report.stoppedBy] ?? 15) : ExitCode.ok;
      }
      if (exitWhenDone) return exitStatusOf(report);
      if (report.timedOut) log.warn("the scripts timed out; the agent keeps serving");
    }
    if (options.main && !signals.received()) return await entrypoint(options.main);
    const signal = await signals.first;
    log.info(`received ${signal}; shutting down`);
    return ExitCode.ok;
  } finally {
    if (runner) await stopServices(runner, signals, log);
    runner?.closeOutput();
    reaper?.stop();
    await agent.stop();
    await shared?.close();
    signals.dispose();
    log.info("agent stopped");
  }
}

// --- internal ---

async function declareBeforeAll(units: Units, unit: string): Promise<void> {
  try {
    await units.beforeAll(unit);
  } catch (error) {
    if (error instanceof Refusal)
      throw new UnitsyncError(`--before-all ${unit}: ${error.message}`, ExitCode.refused, error.code);
    throw error;
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * Stops what still runs of the scripts (services, and in entrypoint mode scripts the main command
 * did not wait for): SIGTERM, then SIGKILL after the grace period, or at once on another signal.
 */
async function stopServices(runner: ScriptRunner, signals: ReturnType<typeof watchSignals>, log: AgentLog) {
  if (!runner.running) return;
  signals.onAgain((again) => {
    log.info(`received ${again} again; killing the services`);
    runner.stop(again);
  });
  if (!runner.stopping) {
    log.info("stopping the services");
    runner.stop("the agent stopping");
  }
  await runner.exited;
}

/**
 * Finds the scripts and reads their headers; every problem is printed, then the agent exits 2.
 * Scripts that someone else could have written are refused (exit 1) unless allowed.
 */
function loadScripts(
  { dirs, files, allowUnsafe }: ScriptsOptions,
  log: AgentLog,
  shared: boolean,
  beforeAll: readonly string[],
): PlannedScript[] {
  const found = discoverScripts(dirs, files);
  const unsafe: string[] = [];
  for (const source of found.sources) {
    const problem = scriptTrustProblem(source.path, process.getuid?.(), source.realPath);
    if (!problem) continue;
    if (allowUnsafe) log.warn(`running ${source.path} although ${problem} (--allow-unsafe-scripts)`);
    else unsafe.push(`refusing ${source.path}: ${problem}`);
  }
  if (unsafe.length > 0) {
    for (const error of unsafe) stderrLine(`error: ${error}`);
    throw new UnitsyncError(
      `${unsafe.length} startup script${unsafe.length === 1 ? "" : "s"} could have been written by another user; nothing was run`,
      ExitCode.refused,
      "unsafe_scripts",
      "fix the owner and mode (chown, chmod o-w), or pass --allow-unsafe-scripts",
    );
  }
  const plan = planScripts(found.sources, { shared, beforeAll });
  for (const warning of [...found.warnings, ...plan.warnings]) log.warn(warning);
  const errors = [...found.errors, ...plan.errors];
  if (errors.length > 0) {
    throw new UnitsyncError(
      `${errors.length} problem${errors.length === 1 ? "" : "s"} in the startup scripts; nothing was run`,
      ExitCode.usage,
      "invalid_scripts",
      undefined,
      errors,
    );
  }
  if (plan.scripts.length === 0) log.warn(`no scripts found in ${[...dirs, ...files].join(", ")}`);
  return plan.scripts;
}

function printSummary(report: RunReport, format: LogFormat, log: AgentLog): void {
  if (format === "json") {
    stderrLine(JSON.stringify(summaryJson(report)));
    return;
  }
  log.info("startup scripts finished:");
  stderrLine(renderSummary(report));
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
