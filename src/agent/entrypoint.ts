import { constants } from "node:os";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import type { AgentLog } from "./log.ts";
import { describeStatus, FORWARDED_SIGNALS, type MainCommand, spawnMain } from "./main-command.ts";
import { KILL_GRACE_MS, type RunReport, type ScriptRunner, type ServiceExit } from "./scripts/runner.ts";
import { exitStatusOf } from "./scripts/summary.ts";
import { Refusal, type Units } from "./units.ts";

/** Entrypoint mode's options: `agent --scripts DIR [--main-after U,...] [--main-anyway] -- COMMAND...`. */
export interface MainOptions {
  command: readonly string[];
  /** Start the main command once these units have completed; absent: once every script's unit has. */
  after?: readonly string[];
  /** Start it even though a unit it waits for failed. */
  anyway: boolean;
}

/** What the entrypoint needs from the agent's lifecycle. */
export interface EntrypointContext {
  main: MainOptions;
  units: Units;
  /** The startup scripts' runner; absent when the agent runs no scripts. */
  runner?: ScriptRunner;
  socketPath: string;
  log: AgentLog;
  /** The first SIGINT/SIGTERM the agent receives. */
  firstSignal: Promise<string>;
  printSummary(report: RunReport): void;
  /** Tells the orphan reaper the main command's pid, which Bun reaps itself. */
  ownPid(pid: number): void;
  /** How long the main command may take to exit after SIGTERM before it gets SIGKILL. */
  killGraceMs?: number;
}

/**
 * Entrypoint mode, after the scripts have been started: waits for the units the main command
 * needs, spawns it, passes signals on to it while it runs (the socket keeps serving and services
 * keep running), and returns its exit status. Returns a failure status without starting it when a
 * unit it needs failed (unless --main-anyway), when a signal comes first, or when a service exits
 * before the startup is over. Stopping the services afterwards is the lifecycle's `finally`.
 */
export async function runEntrypoint(context: EntrypointContext): Promise<number> {
  const { main, runner, log } = context;
  let serviceDied: ServiceExit | undefined;
  let mainCommand: MainCommand | undefined;
  const diedWhileMain = Promise.withResolvers<ServiceExit>();
  runner?.onServiceExit((exit) => {
    if (exit.mayExit || exit.stopped) return;
    serviceDied ??= exit;
    if (mainCommand) diedWhileMain.resolve(exit);
  });
  // The summary comes when the startup is over, even if the main command started before that.
  const summary = runner?.done.then((report) => {
    context.printSummary(report);
    return report;
  });

  const gate = await Promise.race([
    waitForUnits(context, summary),
    context.firstSignal.then((signal) => ({ kind: "signal" as const, signal })),
  ]);
  if (gate.kind === "signal") {
    log.info(`received ${gate.signal} before the main command started; stopping the scripts`);
    runner?.stop(gate.signal);
    await summary;
    return 128 + signalNumber(gate.signal);
  }
  if (gate.kind === "failed" && !main.anyway) {
    log.warn(`not starting the main command: ${gate.reason}`);
    return gate.status;
  }
  if (gate.kind === "failed") log.warn(`${gate.reason}; starting the main command anyway (--main-anyway)`);
  if (serviceDied && !main.anyway) {
    log.warn(`not starting the main command: service "${serviceDied.unit}" exited (${serviceDied.how})`);
    return ExitCode.refused;
  }

  try {
    mainCommand = spawnMain(main.command, { ...process.env, UNITSYNC_SOCKET_PATH: context.socketPath });
  } catch (error) {
    log.warn(`main command: ${(error as Error).message}`);
    return error instanceof UnitsyncError ? error.exitCode : ExitCode.refused;
  }
  const running = mainCommand;
  context.ownPid(running.pid);
  log.info(`main command started: ${main.command.join(" ")} (pid ${running.pid})`);
  const forward = (signal: NodeJS.Signals) => {
    log.info(`received ${signal}; passing it on to the main command`);
    running.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const ended = await Promise.race([
      running.exited.then((status) => ({ kind: "exited" as const, status })),
      diedWhileMain.promise.then((exit) => ({ kind: "service" as const, exit })),
    ]);
    if (ended.kind === "exited") {
      log.info(`main command exited (${describeStatus(ended.status)})`);
      return ended.status;
    }
    // A service the main command relies on is gone: the container is not healthy any more.
    log.warn(
      `service "${ended.exit.unit}" exited (${ended.exit.how}); stopping the main command (mark it "# unitsync: may-exit" to allow this)`,
    );
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), context.killGraceMs ?? KILL_GRACE_MS);
    const status = await running.exited;
    clearTimeout(timer);
    log.info(`main command exited (${describeStatus(status)})`);
    return ExitCode.refused;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

// --- internal ---

type Gate = { kind: "ready" } | { kind: "failed"; reason: string; status: number };

/** Waits until the main command may start: its --main-after units completed, or every script settled. */
async function waitForUnits(
  { main, units, runner }: EntrypointContext,
  summary: Promise<RunReport> | undefined,
): Promise<Gate> {
  if (main.after && main.after.length > 0) {
    try {
      const answer = await units.waitFor({ units: main.after });
      if (answer.kind === "waiting") await answer.end;
      return { kind: "ready" };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      if (main.anyway && summary) await summary; // start it once the startup is over, not mid-way
      return { kind: "failed", reason: error.message, status: ExitCode.refused };
    }
  }
  if (!runner || !summary) return { kind: "ready" };
  const report = await summary;
  const failed = report.results.filter((result) => result.outcome !== "completed");
  if (failed.length === 0) return { kind: "ready" };
  const names = failed.map((result) => `"${result.unit}"`).join(", ");
  const reason = `unit${failed.length === 1 ? "" : "s"} ${names} did not complete`;
  return { kind: "failed", reason, status: exitStatusOf(report) };
}

function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number>)[signal] ?? 15;
}
