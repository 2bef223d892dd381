import { accessSync, closeSync, constants, existsSync, openSync, readSync } from "node:fs";
import { compareNames, type Millis } from "../../graph/index.ts";
import { type LongTimer, setLongTimeout } from "../../lib/timer.ts";
import type { AgentLog } from "../log.ts";
import { type Answer, type Awaitable, Refusal, type Started, type Units } from "../units.ts";
import { launchOrder, type PlannedScript, targetsOf } from "./headers.ts";
import { LogFile, logFileFor } from "./log-files.ts";
import { LineSplitter, type OutputSink, type StreamName } from "./output.ts";
import { type ReadinessWatch, watchReadiness } from "./service.ts";

/** How a script's run ended. */
export type ScriptOutcome = "completed" | "failed" | "not run" | "timeout" | "stopped";

/** One script's result, for the summary. */
export interface ScriptResult {
  unit: string;
  path: string;
  outcome: ScriptOutcome;
  /** Why it failed or did not run (`exit status 2`, `dependency failed: db (exit status 2)`). */
  reason?: string;
  /** From the start of the run until the script started (or was given up on). */
  waitedMs: number;
  /** From spawn to exit (for a service: to ready); absent when the script never ran. */
  ranMs?: number;
}

/** A service that exited after it was ready: its unit stays completed, the runner only reports it. */
export interface ServiceExit {
  unit: string;
  /** `exit status 1`, `killed by SIGKILL`. */
  how: string;
  /** Its header says `may-exit`: the exit is expected and must not stop anything. */
  mayExit: boolean;
  /** The runner stopped it (the agent is stopping): not news. */
  stopped: boolean;
}

/** The whole run: every script's result, in the order they started. */
export interface RunReport {
  results: ScriptResult[];
  /** The --timeout fired before every script had finished. */
  timedOut: boolean;
  /** The signal that stopped the run early, if one did. */
  stoppedBy?: string;
  elapsedMs: number;
}

export interface RunnerOptions {
  /** In memory (every answer at once) or shared through a store (answers are promises). */
  units: Units;
  scripts: readonly PlannedScript[];
  socketPath: string;
  /** Where each script's log goes; prepared (created or checked) by prepareLogDir. */
  logDir: string;
  output: OutputSink;
  log: AgentLog;
  /** Bounds the whole run; 0 or absent means no bound. */
  timeoutMs?: number;
  /** How long a script may take to exit after SIGTERM before it gets SIGKILL. */
  killGraceMs?: number;
  env?: Record<string, string | undefined>;
}

/** Default grace period between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 5000;
/** How long to wait for a script's output after it exited (a daemon it started may keep the pipe open). */
export const OUTPUT_GRACE_MS = 500;

/**
 * Runs startup scripts as units of the agent's own graph, through the same unit operations as the
 * socket (no round trips): each script waits until the units it wants have completed, runs in its
 * own process group with its output prefixed and logged, and completes or fails its unit from its
 * exit status. A script whose dependency failed never runs: its unit is failed with
 * `dependency failed: ...`. Every time is read from the units' clock, so the summary and
 * `timeline` agree.
 */
export class ScriptRunner {
  readonly #options: RunnerOptions;
  readonly #runs: Run[];
  readonly #pids = new Set<number>();
  readonly #readers = new Set<{ cancel(): Promise<void> }>();
  readonly #done = Promise.withResolvers<RunReport>();
  /** Completions and failures a shared store has not answered yet: the run is done once they are. */
  readonly #inflight = new Set<Promise<void>>();
  /** The scripts' environment, built once: copying process.env for every spawn costs each hand-off. */
  readonly #env: Record<string, string | undefined>;
  #started: Millis = 0;
  #timer: LongTimer | undefined;
  #timedOut = false;
  #stoppedBy: string | undefined;
  readonly #serviceExitListeners: ((exit: ServiceExit) => void)[] = [];
  readonly #byUnit: Map<string, Run>;
  /** Scripts are forked ahead of their start through /bin/sh where there is one (see #preforkNext). */
  #canPrefork = existsSync("/bin/sh");
  /** Runs #afterSpawns once the spawns of a moment are over. */
  #laterTimer: Timer | undefined;
  /** The log files of the scripts started since, still to be opened (see #spawn). */
  #logsToOpen: (() => unknown)[] = [];

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#env = { ...(options.env ?? process.env), UNITSYNC_SOCKET_PATH: options.socketPath };
    this.#runs = options.scripts.map((script) => ({ script, ...Promise.withResolvers<void>() }));
    this.#byUnit = new Map(this.#runs.map((run) => [run.script.unit, run]));
  }

  /**
   * Resolves when every script has finished (or will never run), with the results. A service
   * counts as finished once it is ready (or failed): the startup is over, though it keeps running.
   */
  get done(): Promise<RunReport> {
    return this.#done.promise;
  }

  /** Resolves once the startup is done and every process the runner started has exited (services too). */
  get exited(): Promise<void> {
    return this.#done.promise.then(() => Promise.all(this.#runs.map((run) => run.exit)).then(() => {}));
  }

  /** Calls `fn` each time a service exits after it was ready (entrypoint mode stops the main command then). */
  onServiceExit(fn: (exit: ServiceExit) => void): void {
    this.#serviceExitListeners.push(fn);
  }

  /** Whether `pid` is one of the scripts this runner spawned and has not seen exit yet. */
  owns(pid: number): boolean {
    return this.#pids.has(pid);
  }

  /** Registers every script's unit and dependencies, then starts each script as soon as it is ready. */
  start(): void {
    const { units, timeoutMs } = this.#options;
    this.#started = units.now();
    Promise.all(this.#runs.map((run) => run.promise))
      .then(() => Promise.all(this.#inflight))
      .then(() => this.#finish());
    // The longest chains first: dependents released together are spawned one after the other in
    // that order (the waits end in the order they began), so the ones with the most scripts still
    // behind them start first and those with slack last.
    const runs = launchOrder(this.#options.scripts).map((index) => this.#runs[index] as Run);
    const declared: Promise<void>[] = [];
    const declare = (run: Run) => {
      const { unit, wants, wantsStarted } = run.script;
      const later = attempt(
        () => {
          // Synchronous in memory (the scripts launch in this same tick), a promise with a store.
          const first = units.want(unit, wants);
          if (!wantsStarted?.length) return first;
          const second = () => units.want(unit, wantsStarted, "started");
          return first instanceof Promise ? first.then(second) : second();
        },
        () => {},
        (error) => this.#settleNotRun(run, "failed", error.message),
      );
      if (later) declared.push(later);
    };
    const launch = (list: readonly Run[]) => {
      for (const run of list) if (!run.result && run.requestedAt === undefined) this.#launch(run);
    };
    // A long timer: `--timeout 600h` must not overflow a 32-bit timer and kill every script at once.
    if (timeoutMs) this.#timer = setLongTimeout(() => this.#abort("timeout", "timeout"), timeoutMs);
    // Every edge is declared before the agent reads a request or an exit, so no script can start
    // ahead of a dependency. (Before-all units were declared before the socket was served: see
    // lifecycle.ts.) In memory each declaration answers at once, and each script that waits for
    // nothing starts as soon as it is declared, before the others are: all in this one tick, so
    // nobody sees the difference, and the first script starts a few ms sooner.
    const free = runs.filter((run) => run.script.wants.length === 0 && !run.script.wantsStarted?.length);
    for (const run of free) {
      declare(run);
      if (declared.length === 0) launch([run]);
    }
    for (const run of runs) if (!free.includes(run)) declare(run);
    // Each target with all its member scripts at once, before any of them can finish, so a target
    // never completes before its last member was declared.
    for (const [target, members] of targetsOf(this.#options.scripts)) {
      const later = attempt(
        () => units.target(target, members),
        () => {},
        (error) => this.#options.log.warn(`target "${target}": ${error.message}`),
      );
      if (later) declared.push(later);
    }
    // (With a store every declaration is a promise: nothing was launched above.)
    if (declared.length === 0) launch(runs);
    else Promise.all(declared).then(() => launch(runs));
  }

  /**
   * Stops the run: scripts not started yet never will, running ones get SIGTERM in their whole
   * process group, then SIGKILL after the grace period. Calling it again kills at once.
   */
  stop(signal: string): void {
    if (this.#stoppedBy !== undefined) {
      for (const run of this.#runs)
        if (run.proc && run.exitedAt === undefined) killGroup(run.proc.pid, "SIGKILL");
      return;
    }
    this.#stoppedBy = signal;
    this.#abort("stopped", `stopped by ${signal}`);
  }

  /** Whether a process the runner started is still running (a service, or a script not waited for). */
  get running(): boolean {
    return this.#pids.size > 0;
  }

  /** Whether `stop` was called: a second call kills at once. */
  get stopping(): boolean {
    return this.#stoppedBy !== undefined;
  }

  /** Stops reading output still arriving (from daemons a script left behind) and closes the logs. */
  closeOutput(): void {
    for (const reader of this.#readers) reader.cancel().catch(() => {});
    this.#readers.clear();
  }

  // --- internal ---

  /** Asks to start the unit; runs the script at once if it is ready, or when it becomes ready. */
  #launch(run: Run): void {
    const { units } = this.#options;
    const { unit } = run.script;
    run.requestedAt = units.now();
    run.cancelWait = new AbortController();
    attempt(
      () => units.start({ unit, signal: run.cancelWait?.signal as AbortSignal }),
      (answer) => {
        if (!run.result) this.#onStartAnswer(run, answer);
      },
      (error) => {
        // A dependency that failed already, or a refused start (e.g. started through the socket).
        if (!run.result)
          this.#settleNotRun(run, error.code === "dependency_failed" ? "not run" : "failed", error.message);
      },
    );
  }

  /** Runs the script now that its start is granted, or once its wait ends. */
  #onStartAnswer(run: Run, answer: Answer<Started>): void {
    const { units, log } = this.#options;
    const { unit, path } = run.script;
    if (answer.kind === "done") {
      this.#spawn(run, answer.value.at);
      return;
    }
    answer.end.then(
      (started) => {
        if (!run.result) this.#spawn(run, started.at);
      },
      (error: Refusal) => {
        if (run.result) return;
        if (error.code === "already_started") {
          // Someone else started the unit through the socket; the script still owns its outcome.
          log.warn(`unit "${unit}": ${error.message}; running ${path} anyway`);
          this.#spawn(run, units.now());
        } else if (error.code === "dependency_failed") this.#settleNotRun(run, "not run", error.message);
        else this.#settleNotRun(run, "stopped", error.message);
      },
    );
  }

  /** Runs the script of a unit that is marked started (at `startedAt`, on the units' clock). */
  #spawn(run: Run, startedAt: Millis): void {
    const { units, log, output, logDir } = this.#options;
    const { unit, path } = run.script;
    run.cancelWait = undefined;
    run.startedAt = startedAt;
    // The log is opened a little later (or at its first output, or its end): opening and checking
    // it took a quarter of a millisecond, between one spawn and the next, or one exit and the next.
    let logFile: LogFile | undefined;
    let opened = false;
    const openLog = () => {
      if (!opened) {
        opened = true;
        logFile = LogFile.open(logFileFor(logDir, unit), log.warn, `the output of "${unit}"`);
      }
      return logFile;
    };
    let proc: ScriptProcess;
    const stub = run.stub;
    if (stub) {
      // Forked while its dependencies ran: one write and it execs the script (see #prefork).
      run.stub = undefined;
      proc = stub;
      try {
        stub.stdin.write("\n");
        stub.stdin.end();
      } catch {
        // It is gone already (killed from outside): its exit below says how.
      }
    } else {
      try {
        // Bun reads the environment during the call, so one object serves every spawn.
        this.#env.UNITSYNC_UNIT = unit;
        proc = Bun.spawn([executablePath(path)], {
          env: this.#env,
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
          // Its own process group (a new session), so stopping it reaches whatever it started too.
          detached: true,
        });
      } catch (error) {
        openLog()?.close();
        run.exitedAt = units.now();
        this.#settleFailed(run, `cannot execute ${path}: ${(error as Error).message}`);
        run.resolve();
        return;
      }
      this.#pids.add(proc.pid);
    }
    run.proc = proc;
    this.#logsToOpen.push(openLog);
    // Later, not at once: the scripts of a level end within a few ms of each other, and the work
    // would hold up the handling of the other exits of the same level.
    clearTimeout(this.#laterTimer);
    this.#laterTimer = setTimeout(() => this.#afterSpawns(), AFTER_SPAWNS_MS).unref();
    const { service } = run.script;
    if (service) {
      run.watch = watchReadiness(
        unit,
        service,
        units,
        { ...this.#env, UNITSYNC_UNIT: unit },
        { ready: () => this.#serviceReady(run), notReady: (reason) => this.#serviceNotReady(run, reason) },
      );
    }
    const pump = async (stream: ReadableStream<Uint8Array>, name: StreamName) => {
      const splitter = new LineSplitter((text) => output.line(unit, name, text));
      const reader = stream.getReader();
      this.#readers.add(reader);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          openLog()?.write(value);
          splitter.push(value);
        }
      } catch {
        // Cancelled by closeOutput: the agent is exiting.
      } finally {
        this.#readers.delete(reader);
        splitter.end();
      }
    };
    const drained = Promise.all([pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]).finally(() => {
      openLog()?.close();
    });
    run.exit = proc.exited.then(() => {
      run.exitedAt = units.now();
      this.#pids.delete(proc.pid);
      clearTimeout(run.killTimer);
      if (service) {
        // A service is settled by its readiness, not its exit, unless it exits before it is ready.
        if (this.#serviceExited(run, proc)) return;
      } else this.#settleExit(run, proc);
      let grace: Timer | undefined;
      const waited = new Promise((resolve) => {
        grace = setTimeout(resolve, OUTPUT_GRACE_MS);
      });
      Promise.race([drained, waited]).then(() => {
        clearTimeout(grace);
        run.resolve();
      });
    });
  }

  /** Opens the logs of the scripts started since the last time, then forks the next scripts. */
  #afterSpawns(): void {
    const logs = this.#logsToOpen;
    this.#logsToOpen = [];
    for (const open of logs) open();
    this.#preforkNext();
  }

  /**
   * Forks, for each script still waiting whose dependencies are all scripts that have started, a
   * shell that waits on a pipe and then execs the script: when the wait ends, starting it is one
   * write instead of a spawn (~0.5 ms each, one after the other for the dependents an exit
   * releases). Called a while after the last spawn, so it never delays one.
   */
  #preforkNext(): void {
    if (!this.#canPrefork || this.#stoppedBy !== undefined) return;
    for (const run of this.#runs) {
      if (run.stub || run.proc || run.result || run.requestedAt === undefined || run.script.service) continue;
      const deps = [...run.script.wants, ...(run.script.wantsStarted ?? [])];
      if (!deps.every((dep) => this.#byUnit.get(dep)?.startedAt !== undefined)) continue;
      const { unit, path } = run.script;
      // A script that could not be executed is left to the spawn, which says why in its own words.
      if (!directlyExecutable(path)) continue;
      let stub: StubProcess;
      try {
        this.#env.UNITSYNC_UNIT = unit;
        stub = Bun.spawn(["/bin/sh", "-c", PREFORK, executablePath(path)], {
          env: this.#env,
          stdin: "pipe",
          stdout: "pipe",
          stderr: "pipe",
          detached: true,
        });
      } catch {
        this.#canPrefork = false;
        return;
      }
      run.stub = stub;
      this.#pids.add(stub.pid);
      stub.exited.then(() => {
        if (run.proc !== stub) this.#pids.delete(stub.pid);
      });
    }
  }

  /** A forked shell whose script will not run: closing its pipe ends it. */
  #dropStub(run: Run): void {
    const stub = run.stub;
    if (!stub) return;
    run.stub = undefined;
    try {
      stub.stdin.end();
    } catch {
      // Gone already.
    }
    run.exit = stub.exited.then(() => {
      // Nothing was read from its pipes (it printed nothing): let them go now.
      stub.stdout.cancel().catch(() => {});
      stub.stderr.cancel().catch(() => {});
    });
  }

  /** Completes or fails the unit from the exit status; the script's own `exp sync` calls win. */
  #settleExit(run: Run, proc: Bun.Subprocess): void {
    const { units, log } = this.#options;
    const { unit } = run.script;
    if (run.stopReason) {
      run.result = this.#result(run, run.stopReason === "timeout" ? "timeout" : "stopped", run.stopReason);
      return;
    }
    const { status, reason: ownReason } = units.stateOf(unit);
    if (proc.exitCode === 0) {
      if (status === "failed") {
        run.result = this.#result(run, "failed", ownReason || "failed by the script");
        return;
      }
      if (status !== "completed") {
        this.#track(
          attempt(
            () => units.complete(unit),
            () => {},
            (error) => log.warn(`unit "${unit}": ${error.message}`),
          ),
        );
      }
      run.result = this.#result(run, "completed");
      return;
    }
    const reason = proc.signalCode ? `killed by ${proc.signalCode}` : `exit status ${proc.exitCode}`;
    if (status === "completed") {
      log.warn(`unit "${unit}" was marked completed before its script exited with ${reason}`);
      run.result = this.#result(run, "failed", reason);
      return;
    }
    if (status === "failed") {
      run.result = this.#result(run, "failed", ownReason || reason);
      return;
    }
    this.#settleFailed(run, reason);
  }

  /** The service is ready: its unit completed (by the probe or by the script). */
  #serviceReady(run: Run): void {
    if (run.result) return;
    run.ready = true;
    run.readyAt = this.#options.units.now();
    run.result = this.#result(run, "completed");
    this.#options.log.info(`service "${run.script.unit}" is ready; it keeps running`);
    run.resolve();
  }

  /** The service will not be ready: its unit fails with the reason and the service is stopped. */
  #serviceNotReady(run: Run, reason: string): void {
    if (run.result) return;
    this.#settleFailed(run, reason);
    if (run.proc && run.exitedAt === undefined) this.#terminate(run.proc.pid, run);
    run.resolve();
  }

  /**
   * A service's process exited. Before it was ready, that fails its unit (unless it is `may-exit`
   * and exited 0: a script that started a daemon; the probe still decides). After, its unit stays
   * completed and the exit is reported. Returns whether the runner is done with the run.
   */
  #serviceExited(run: Run, proc: Bun.Subprocess): boolean {
    const { log } = this.#options;
    const { unit, service } = run.script;
    const how = proc.signalCode ? `killed by ${proc.signalCode}` : `exit status ${proc.exitCode}`;
    const mayExit = service?.mayExit ?? false;
    if (run.ready) {
      run.watch?.stop();
      const stopped = run.stopReason !== undefined || this.#stoppedBy !== undefined;
      if (!stopped) {
        const words = `service "${unit}" exited after it was ready (${how})`;
        if (mayExit) log.info(`${words}; it may exit (may-exit)`);
        else log.warn(words);
      }
      for (const listener of this.#serviceExitListeners) listener({ unit, how, mayExit, stopped });
      return false;
    }
    if (run.result) return false; // given up on already (probe timeout, stopped)
    if (mayExit && proc.exitCode === 0 && service?.probe && !run.stopReason) {
      log.info(
        `service "${unit}": its script exited 0; waiting for ${service.probe.kind} readiness (may-exit)`,
      );
      return true; // the probe settles the run
    }
    run.watch?.stop();
    if (run.stopReason) {
      run.result = this.#result(run, run.stopReason === "timeout" ? "timeout" : "stopped", run.stopReason);
      return false;
    }
    this.#settleFailed(run, `exited before it was ready (${how})`);
    return false;
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  #terminate(pid: number, run: Run): void {
    killGroup(pid, "SIGTERM");
    clearTimeout(run.killTimer);
    run.killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), this.#options.killGraceMs ?? KILL_GRACE_MS);
  }

  /** Settles a script that will not run (any more): drops its wait, fails its unit with the reason. */
  #settleNotRun(run: Run, outcome: ScriptOutcome, reason: string): void {
    this.#dropStub(run);
    run.cancelWait?.abort();
    run.cancelWait = undefined;
    run.result = this.#result(run, outcome, reason);
    this.#failUnit(run.script.unit, reason);
    run.resolve();
  }

  /** Settles a script that ran (or was meant to) and failed: its result and its unit say `reason`. */
  #settleFailed(run: Run, reason: string): void {
    run.result = this.#result(run, "failed", reason);
    this.#failUnit(run.script.unit, reason);
  }

  /** Fails the unit in the graph, unless it is failed already; a refusal is only logged. */
  #failUnit(unit: string, reason: string): void {
    const { units, log } = this.#options;
    if (units.stateOf(unit).status === "failed") return;
    this.#track(
      attempt(
        () => units.fail(unit, reason),
        () => {},
        (error) => log.warn(`unit "${unit}": ${error.message}`),
      ),
    );
  }

  #track(later: Promise<void> | undefined): void {
    if (!later) return;
    this.#inflight.add(later);
    later.finally(() => this.#inflight.delete(later));
  }

  /** Timeout or signal: gives up on waiting scripts and terminates running ones. */
  #abort(outcome: "timeout" | "stopped", reason: string): void {
    this.#timer?.clear();
    clearTimeout(this.#laterTimer);
    if (outcome === "timeout") this.#timedOut = true;
    const waiting = this.#runs.filter((run) => !run.result && run.proc === undefined);
    // Drop every wait first, so the failures below do not turn into "dependency failed" for the others.
    for (const run of waiting) {
      run.cancelWait?.abort();
      run.cancelWait = undefined;
    }
    for (const run of waiting) this.#settleNotRun(run, outcome, reason);
    for (const run of this.#runs) {
      if (!run.proc || run.exitedAt !== undefined) continue;
      // The startup timeout is not for services already serving; stopping the agent is.
      if (run.ready && outcome === "timeout") continue;
      if (!run.ready) {
        run.watch?.stop();
        run.stopReason = reason;
        this.#failUnit(run.script.unit, reason);
      }
      this.#terminate(run.proc.pid, run);
    }
  }

  #result(run: Run, outcome: ScriptOutcome, reason?: string): ScriptResult {
    const end = run.startedAt ?? this.#options.units.now();
    const result: ScriptResult = {
      unit: run.script.unit,
      path: run.script.path,
      outcome,
      waitedMs: Math.max(0, end - (run.requestedAt ?? this.#started)),
    };
    const ended = run.readyAt ?? run.exitedAt;
    if (run.startedAt !== undefined && ended !== undefined) result.ranMs = ended - run.startedAt;
    if (reason !== undefined) result.reason = reason;
    return result;
  }

  #finish(): void {
    this.#timer?.clear();
    clearTimeout(this.#laterTimer);
    const order = (run: Run) => run.startedAt ?? Number.POSITIVE_INFINITY;
    const results = [...this.#runs]
      .sort((a, b) => order(a) - order(b) || compareNames(a.script.unit, b.script.unit))
      .map((run) => run.result as ScriptResult);
    const report: RunReport = {
      results,
      timedOut: this.#timedOut,
      elapsedMs: this.#options.units.now() - this.#started,
    };
    if (this.#stoppedBy !== undefined) report.stoppedBy = this.#stoppedBy;
    this.#done.resolve(report);
  }
}

// --- internal ---

interface Run {
  script: PlannedScript;
  promise: Promise<void>;
  /** Called once the result is known and the output drained (or given up on). */
  resolve: () => void;
  /** Aborts the unit's start while it waits for its dependencies. */
  cancelWait?: AbortController;
  proc?: ScriptProcess;
  /** A shell forked ahead of the script's start, waiting to exec it (see #preforkNext). */
  stub?: StubProcess;
  requestedAt?: Millis;
  startedAt?: Millis;
  exitedAt?: Millis;
  stopReason?: string;
  killTimer?: Timer;
  result?: ScriptResult;
  /** Settles after the process exited and its exit was handled; absent when it never ran. */
  exit?: Promise<void>;
  /** A service's readiness watch, while it runs. */
  watch?: ReadinessWatch;
  /** A service that became ready, and when. */
  ready?: boolean;
  readyAt?: Millis;
}

type ScriptProcess = Bun.Subprocess<"ignore" | "pipe", "pipe", "pipe">;
type StubProcess = Bun.Subprocess<"pipe", "pipe", "pipe">;

/**
 * What a forked shell runs: wait for the runner's newline (end of file: the script will not run),
 * then become the script, with stdin from /dev/null as a script spawned directly has it.
 */
const PREFORK = 'read -r _ || exit 0; exec "$0" </dev/null';
/** How long after the last spawn the logs are opened and the next scripts forked. */
const AFTER_SPAWNS_MS = 20;

/**
 * The path to execute a script by: a bare file name (`--scripts .` gives `a.sh`) would be looked
 * up in $PATH, by Bun.spawn and by the shell alike, so it is run as `./a.sh`. Messages keep `path`.
 */
function executablePath(path: string): string {
  return path.includes("/") ? path : `./${path}`;
}

/** Whether `path` is executable and, for a `#!` script, its interpreter is too. */
function directlyExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    const head = Buffer.alloc(256);
    const fd = openSync(path, "r");
    let length: number;
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const text = head.subarray(0, length).toString("latin1");
    if (!text.startsWith("#!")) return true;
    // The interpreter: the first word of the #! line (up to a space or a tab).
    const line = (text.slice(2).split("\n")[0] ?? "").trim();
    const space = [line.indexOf(" "), line.indexOf("\t")].filter((at) => at !== -1);
    const interpreter = space.length > 0 ? line.slice(0, Math.min(...space)) : line;
    accessSync(interpreter, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls a unit operation that answers at once (in memory: no tick in between, as before) or later
 * (a shared store). A Refusal goes to `refused` either way; undefined when it answered at once.
 */
function attempt<T>(
  call: () => Awaitable<T>,
  answered: (value: T) => void,
  refused: (error: Refusal) => void,
): Promise<void> | undefined {
  const onError = (error: unknown) => {
    if (!(error instanceof Refusal)) throw error;
    refused(error);
  };
  let value: Awaitable<T>;
  try {
    value = call();
  } catch (error) {
    onError(error);
    return undefined;
  }
  if (value instanceof Promise) return value.then(answered, onError);
  answered(value);
  return undefined;
}

/** Signals a script's whole process group; it may be gone already. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already exited (ESRCH): nothing to stop.
  }
}
