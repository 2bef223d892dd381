/**
 * Benchmark 3, a realistic template: the 30 units of template-dag.ts, each running the same work
 * program (bench/lib/work.c: a time stamp, a sleep, a time stamp), under every runner: GNU `make -j`
 * on a Makefile generated from the same DAG (the baseline a runner cannot beat by much), the agent's
 * own script runner (`agent --scripts DIR --exit-when-done`), 30 `run` processes, 30 want/start/
 * complete shell scripts, and the two polling baselines. Wall time (first spawn to last exit) against
 * the ideal, the critical path's summed work; the work's stamps split the time over the ideal.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchAgent } from "./lib/agent.ts";
import { benchEnv } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { ms, ratio, summarize } from "./lib/stats.ts";
import { readStamps, type Stamp, type Work, workProgram } from "./lib/work.ts";
import { TEMPLATE, TEMPLATE_LEVELS, type TemplateUnit } from "./template-dag.ts";

/** Target: `agent --scripts` costs at most this much more than `make -j` over the ideal. */
export const SCRIPTS_OVER_MAKE_MS = 15;
/** Target: a dependency's exit to its dependent's start, per step of the critical chain. */
export const HANDOFF_TARGET_MS = 1;
/** Targets: time over the ideal for 30 `run` processes, and for 30 want/start/complete scripts. */
export const RUN_TARGET_MS = 50;
export const SCRIPT_TARGET_MS = 120;

interface Options {
  agent: BenchAgent;
  bin: string;
  /** bench/limit-runner.ts compiled: the least a Bun-based runner does (left out when undefined). */
  limitBin?: string;
  /** bench/limit-client.ts compiled: the least a Bun-based client does (left out when undefined). */
  limitClientBin?: string;
  workMs: number;
  /** Rounds of the fast runners; each round runs every one of them once, in a rotating order. */
  trials: number;
  /** Trials of the polling baselines (0 leaves them out). */
  baselineTrials: number;
  /** Only these runners (default: all). */
  runners?: readonly Runner[];
}

/** The ways of running the template. */
export type Runner =
  | "make"
  | "limit"
  | "scripts"
  | "run"
  | "limit-run"
  | "run-warm"
  | "script"
  | "limit-script"
  | "polling"
  | "marker";

const FAST: readonly Runner[] = [
  "make",
  "limit",
  "scripts",
  "run",
  "limit-run",
  "run-warm",
  "script",
  "limit-script",
];
const SLOW: readonly Runner[] = ["polling", "marker"];

/** Runs the template benchmark. */
export async function template(options: Options): Promise<SectionResult> {
  const { agent, bin, limitBin, limitClientBin, workMs, trials, baselineTrials } = options;
  const work = workProgram();
  const ideal = TEMPLATE_LEVELS * workMs;
  const wanted = (runner: Runner) => options.runners === undefined || options.runners.includes(runner);
  const fast = FAST.filter(wanted);
  const slow = baselineTrials > 0 ? SLOW.filter(wanted) : [];
  const hasMake = Bun.which("make") !== null;
  const skipped: string[] = [];
  if (!hasMake && fast.includes("make")) {
    fast.splice(fast.indexOf("make"), 1);
    skipped.push("GNU make is not installed (`apt-get install make`), so the make -j baseline was skipped.");
  }
  if (!limitBin && fast.includes("limit")) fast.splice(fast.indexOf("limit"), 1);
  for (const runner of ["limit-run", "limit-script"] as const)
    if (!limitClientBin && fast.includes(runner)) fast.splice(fast.indexOf(runner), 1);
  const trialsOf = new Map<Runner, Trial[]>();
  let round = 0;
  const once = async (runner: Runner) => {
    // Unique per trial: the bench agent is shared, and a unit that already completed would not wait.
    const prefix = `w${workMs}t${round++}`;
    const result = await runTemplate(runner, { agent, bin, limitBin, limitClientBin, work, workMs, prefix });
    trialsOf.set(runner, [...(trialsOf.get(runner) ?? []), result]);
  };
  progress(`template (${workMs} ms units): ${trials} rounds of ${fast.join(", ")}`);
  for (let trial = 0; trial < trials; trial++) {
    for (const runner of rotate(fast, trial)) await once(runner);
  }
  for (const runner of slow) {
    progress(`template (${workMs} ms units): ${baselineTrials} trials of ${runner}`);
    for (let trial = 0; trial < baselineTrials; trial++) await once(runner);
  }

  const runners = [...fast, ...slow];
  const over = (runner: Runner) => summarize((trialsOf.get(runner) ?? []).map((t) => t.wall - ideal)).median;
  /** The median single hand-off of the critical chain, over every step of every trial. */
  const handoff = (runner: Runner) =>
    summarize((trialsOf.get(runner) ?? []).flatMap((t) => t.breakdown.steps)).median;
  // GNU make (4.3 here) now and then starts a ready target only when another of its jobs exits, a
  // whole level's work late. Those trials are counted, and make's figure for the targets is the
  // median of the others, so the baseline is make at its best, not its stalls.
  const stalled = (trial: Trial) => trial.breakdown.steps.some((step) => step > workMs / 2);
  const makeTrials = trialsOf.get("make") ?? [];
  const makeClean = makeTrials.filter((trial) => !stalled(trial));
  const makeStalls = makeTrials.length - makeClean.length;
  const makeCleanOver = summarize(
    (makeClean.length > 0 ? makeClean : makeTrials).map((t) => t.wall - ideal),
  ).median;
  const rows = runners.map((runner) => {
    const s = summarize((trialsOf.get(runner) ?? []).map((t) => t.wall));
    return [
      describe(runner),
      String(s.n),
      ms(s.median),
      ms(s.max),
      `${ms(s.median - ideal)} (${((100 * (s.median - ideal)) / ideal).toFixed(1)}%)`,
      ratio(s.median / ideal),
    ];
  });
  const breakdownRows = runners.map((runner) => {
    const list = (trialsOf.get(runner) ?? []).map((t) => t.breakdown);
    const median = (pick: (b: Breakdown) => number) => ms(summarize(list.map(pick)).median);
    return [
      describe(runner),
      median((b) => b.launch),
      median((b) => b.handoffs),
      ms(summarize(list.flatMap((b) => b.steps)).median),
      median((b) => b.overruns),
      median((b) => b.exit),
      median((b) => b.launch + b.overruns + b.handoffs + b.exit),
    ];
  });

  const headlines: Headline[] = [];
  // Without one trial where make did not stall there is no baseline to hold the target against.
  const makeOver = hasMake && fast.includes("make") && makeClean.length > 0 ? makeCleanOver : Number.NaN;
  const stallNote =
    makeStalls === 0
      ? ""
      : makeClean.length > 0
        ? ` (${makeStalls} of ${makeTrials.length} trials, where make stalled a level, left out; with them +${ms(over("make"))})`
        : ` (stalled a level in all ${makeTrials.length} trials: +${ms(over("make"))}; no baseline)`;
  const makeBaseline = !hasMake
    ? "make not installed"
    : `make -j:${Number.isFinite(makeOver) ? ` +${ms(makeOver)}` : ""}${stallNote}`;
  const hasLimit = fast.includes("limit");
  const limitBaseline = hasLimit
    ? `; limit (a minimal Bun runner, bench/limit-runner.ts): +${ms(over("limit"))}`
    : "";
  const clientLimit = (runner: Runner) =>
    fast.includes(runner)
      ? `; limit (a minimal Bun client, bench/limit-client.ts): +${ms(over(runner))}`
      : "";
  const pollingBaseline = slow.length
    ? `; polling +${ms(over("polling"))}, marker files +${ms(over("marker"))}`
    : "";
  const title = `template: 30 units in ${TEMPLATE_LEVELS} levels x ${workMs} ms`;
  if (workMs === 200) {
    if (fast.includes("scripts")) {
      headlines.push(
        {
          figure: `${title}, \`agent --scripts --exit-when-done\`, time over the ideal ${ms(ideal)}`,
          value: `+${ms(over("scripts"))}`,
          target: `<= make's +${SCRIPTS_OVER_MAKE_MS} ms`,
          baseline: `${makeBaseline}${limitBaseline}`,
          met: Number.isFinite(makeOver) ? over("scripts") <= makeOver + SCRIPTS_OVER_MAKE_MS : undefined,
        },
        {
          figure: `${title}, \`agent --scripts\`: dependency exits -> dependent starts (median step of the critical chain)`,
          value: ms(handoff("scripts")),
          target: `<= ${ms(HANDOFF_TARGET_MS)}`,
          baseline: `${hasMake ? `make -j: ${ms(handoff("make"))}` : "make not installed"}${
            hasLimit ? `; limit: ${ms(handoff("limit"))}` : ""
          }`,
          met: handoff("scripts") <= HANDOFF_TARGET_MS,
        },
      );
    }
    if (fast.includes("run")) {
      headlines.push({
        figure: `${title}, 30 \`exp sync run\` processes, time over the ideal`,
        value: `+${ms(over("run"))}`,
        target: `<= +${ms(RUN_TARGET_MS)}`,
        baseline: `${makeBaseline}${clientLimit("limit-run")}${pollingBaseline}`,
        met: over("run") <= RUN_TARGET_MS,
      });
    }
    if (fast.includes("script")) {
      headlines.push({
        figure: `${title}, 30 want/start/complete scripts (the Coder way), time over the ideal`,
        value: `+${ms(over("script"))}`,
        target: `<= +${ms(SCRIPT_TARGET_MS)}`,
        baseline: `${makeBaseline}${clientLimit("limit-script")}${pollingBaseline}`,
        met: over("script") <= SCRIPT_TARGET_MS,
      });
    }
  } else {
    const ours = fast.filter((r) => r !== "make" && !r.startsWith("limit"));
    headlines.push({
      figure: `${title}, time over the ideal ${ms(ideal)}`,
      value: ours.map((r) => `${shortName(r)} +${ms(over(r))}`).join("; "),
      target: "(no target: the 200 ms template carries the targets)",
      baseline: `${makeBaseline}${limitBaseline}${pollingBaseline}`,
      met: undefined,
    });
  }

  const markdown = [
    `## 3. Realistic template, ${workMs} ms of work per unit`,
    "",
    `30 units in ${TEMPLATE_LEVELS} levels (bench/template-dag.ts: clone, toolchains, database, migrations, IDE, apps).`,
    `Every unit's work is the same program, ${work.describe}: it stamps its start and end`,
    `(microseconds) and sleeps ${workMs} ms in between. The wall time runs from the first spawn to the last`,
    `exit; the ideal is the critical path's summed work, ${TEMPLATE_LEVELS} x ${workMs} ms = ${ms(ideal)}.`,
    `The fast runners run in ${trials} interleaved rounds (each round runs each once, in a rotating order), so`,
    "drift in the machine's load hits them alike; the polling baselines run after them.",
    "",
    ...runners.map((runner) => `- ${describe(runner)}: ${howItRuns(runner, workMs)}`),
    ...skipped.map((line) => `- ${line}`),
    "",
    table(["runner", "trials", "median wall", "max wall", "over the ideal (median)", "vs ideal"], rows),
    "",
    ...headlines.map(
      (h) => `- ${h.figure}: ${h.value} (target ${h.target}; ${h.baseline}): ${verdict(h.met)}`,
    ),
    "",
    "Where the time over the ideal goes, from the work program's own stamps along the critical chain",
    "(back from the unit that ended last, through the dependency that ended last at each step):",
    "launch is the first spawn (with waiting clients: the gate's completion) to the chain's first unit",
    "starting its work; a hand-off is a dependency's work ending to its dependent's work starting (the",
    "dependency's exit, the runner noticing it and recording the completion, waking and spawning the",
    `dependent), over the ${TEMPLATE_LEVELS - 1} steps of the chain; overruns are the sleeps' own lateness; exit is the last`,
    "unit's work ending to the last process exiting. Medians of each column over the trials (so the columns",
    "need not add up exactly to the total, itself a median); the median hand-off is over every step of every trial.",
    ...(makeStalls > 0
      ? [
          "",
          `GNU make stalled in ${makeStalls} of its ${makeTrials.length} trials: a target whose prerequisites were done waited until`,
          "another of its jobs exited, a level's work late. make's figure in the targets is the median of the other",
          "trials (with none left, the target has no baseline); the tables above include every trial.",
        ]
      : []),
    "",
    table(
      [
        "runner",
        "launch",
        "hand-offs (sum)",
        "median hand-off",
        "overruns (sum)",
        "exit",
        "total over the ideal",
      ],
      breakdownRows,
    ),
  ].join("\n");
  return { headlines, markdown };
}

// --- internal ---

function describe(runner: Runner): string {
  switch (runner) {
    case "make":
      return "GNU `make -j` (baseline)";
    case "limit":
      return "limit: a minimal compiled Bun runner (bench/limit-runner.ts)";
    case "scripts":
      return "unitsync `agent --scripts --exit-when-done`";
    case "run":
      return "unitsync `run`";
    case "limit-run":
      return "limit: `run` by a minimal compiled Bun client (bench/limit-client.ts)";
    case "run-warm":
      return "unitsync `run`, clients already waiting (launch excluded)";
    case "script":
      return "unitsync want/start/complete script";
    case "limit-script":
      return "limit: want/start/complete by a minimal compiled Bun client (bench/limit-client.ts)";
    case "polling":
      return "polling client (1 s)";
    case "marker":
      return "marker files (1 s)";
  }
}

function shortName(runner: Runner): string {
  return runner === "scripts" ? "agent --scripts" : runner === "script" ? "want/start/complete" : runner;
}

function howItRuns(runner: Runner, workMs: number): string {
  switch (runner) {
    case "make":
      return `\`make -s -j -f Makefile all\`, one target per unit, its prerequisites the unit's dependencies, its recipe the unit's script file (the same files as \`agent --scripts\`, whose first line is \`#!$WORK ${workMs}\`), which make executes directly, without a shell`;
    case "limit":
      return "the same 30 files, each spawned by a compiled Bun program as soon as its dependencies have exited, its output piped and read to the end, and nothing else (no socket, graph, headers, logs or summary; the DAG comes as arguments): what the runtime alone costs a runner that must keep the scripts' output";
    case "scripts":
      return `\`"$BIN" agent --scripts DIR --exit-when-done --socket-path "$SOCK"\` over those 30 files, each with \`# unitsync: unit=U\` and \`# unitsync: want=D1,D2\` headers`;
    default:
      return `\`${scriptFor(runner, "U", ["D1", "D2"], workMs).trim()}\`, 30 of them launched at once with \`sh -c\``;
  }
}

/** The shell script of one unit; $BIN, $SOCK, $DIR and $WORK come from the environment. */
function scriptFor(runner: Runner, unit: string, deps: readonly string[], workMs: number): string {
  const work = `"$WORK" ${workMs} ${unit}`;
  const sync = `"$BIN" exp sync`;
  const sock = '--socket-path "$SOCK"';
  const limit = `"$LIMIT" "$SOCK"`;
  const want = deps.length > 0 ? `${sync} want ${unit} ${deps.join(" ")} ${sock} >/dev/null && ` : "";
  switch (runner) {
    case "run":
    case "run-warm":
      return `exec ${sync} run ${unit} ${deps.map((d) => `--want ${d} `).join("")}${sock} -- ${work}`;
    case "script":
      return `${want}${sync} start ${unit} ${sock} >/dev/null && ${work} && ${sync} complete ${unit} ${sock} >/dev/null`;
    case "limit-run":
      return `exec ${limit} run ${unit} ${deps.join(" ")} -- ${work}`;
    case "limit-script": {
      const limitWant = deps.length > 0 ? `${limit} want ${unit} ${deps.join(" ")} && ` : "";
      return `${limitWant}${limit} start ${unit} && ${work} && ${limit} complete ${unit}`;
    }
    case "polling":
      return (
        `${want}until ${sync} status ${unit} -o json ${sock} | grep -q '"is_ready": true'; do sleep 1; done && ` +
        `${sync} start ${unit} ${sock} >/dev/null && ${work} && ${sync} complete ${unit} ${sock} >/dev/null`
      );
    case "marker":
      return `${deps.map((d) => `while [ ! -f "$DIR/${d}" ]; do sleep 1; done; `).join("")}${work} && touch "$DIR/${unit}"`;
    default:
      throw new Error(`${runner} does not run as shell scripts`);
  }
}

/** Where one trial's time over the ideal went, along its critical chain (see the section text). */
export interface Breakdown {
  launch: number;
  handoffs: number;
  /** Each hand-off of the chain, from its first unit up. */
  steps: number[];
  overruns: number;
  exit: number;
}

/** One trial: its wall time and where the time over the ideal went. */
export interface Trial {
  wall: number;
  breakdown: Breakdown;
}

/** What one trial needs; `agent` only for the client runners (make and `agent --scripts` run on their own). */
export interface TrialContext {
  agent?: BenchAgent;
  bin: string;
  /** bench/limit-runner.ts compiled, for the "limit" runner. */
  limitBin?: string;
  /** bench/limit-client.ts compiled, for the "limit-run" and "limit-script" runners. */
  limitClientBin?: string;
  work: Work;
  workMs: number;
  prefix: string;
}

/** Runs the template once under `runner`. */
export async function runTemplate(runner: Runner, context: TrialContext): Promise<Trial> {
  const { bin, work, workMs, prefix } = context;
  const dir = mkdtempSync("/tmp/us-tpl-");
  const log = join(dir, "work.log");
  // make, the limit and `agent --scripts` run on their own (no shared agent): plain unit names.
  const own = runner === "make" || runner === "limit" || runner === "scripts";
  const agent = context.agent as BenchAgent;
  if (!own && !context.agent) throw new Error(`template (${runner}): needs the bench agent`);
  const name = (unit: string) => (own ? unit : `${prefix}.${unit}`);
  const env = benchEnv({
    BIN: bin,
    SOCK: context.agent?.socket ?? "",
    LIMIT: context.limitClientBin ?? "",
    DIR: dir,
    WORK: work.path,
    WORK_LOG: log,
  });
  for (const key of ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"]) delete env[key];
  const warm = runner === "run-warm";
  const gate = name("gate");
  const depsOf = (unit: TemplateUnit) => (warm && unit.deps.length === 0 ? [gate] : unit.deps.map(name));
  try {
    let argvs: string[][];
    if (own) {
      const scripts = join(dir, "scripts");
      writeScripts(scripts, work, workMs);
      const limitArgv = () => {
        if (!context.limitBin) throw new Error("template (limit): needs bench/limit-runner.ts compiled");
        return [
          context.limitBin,
          scripts,
          ...TEMPLATE.map((unit) => (unit.deps.length ? `${unit.name}=${unit.deps.join(",")}` : unit.name)),
        ];
      };
      argvs = [
        runner === "make"
          ? ["make", "-s", "-j", "--no-print-directory", "-f", writeMakefile(dir, scripts), "all"]
          : runner === "limit"
            ? limitArgv()
            : [
                bin,
                "agent",
                "--scripts",
                scripts,
                "--exit-when-done",
                "--socket-path",
                join(dir, "agent.sock"),
              ],
      ];
    } else {
      argvs = TEMPLATE.map((unit) => ["sh", "-c", scriptFor(runner, name(unit.name), depsOf(unit), workMs)]);
    }
    if (warm) await agent.post("/start", { unit: gate, timeout_ms: 0 });
    let spawnedAt = now();
    let started = performance.now();
    const procs = argvs.map((argv) =>
      Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" }),
    );
    // Drained while they run: a full pipe would stall the process writing to it.
    const outputs = procs.map((proc) =>
      Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]),
    );
    if (warm) {
      await waitForWaiters(agent, TEMPLATE.length);
      spawnedAt = now();
      started = performance.now();
      await agent.post("/complete", { unit: gate });
    }
    const codes = await Promise.all(procs.map((proc) => proc.exited));
    const wall = performance.now() - started;
    const failed = codes.findIndex((code) => code !== 0);
    if (failed >= 0) {
      const [stdout, stderr] = await (outputs[failed] as Promise<[string, string]>);
      throw new Error(
        `template (${runner}): ${argvs[failed]?.join(" ")} exited ${codes[failed]}: ${stdout}${stderr}`,
      );
    }
    await Promise.all(outputs);
    const stamps = new Map<string, Stamp>();
    for (const [unit, stamp] of readStamps(log))
      stamps.set(own ? unit : unit.slice(prefix.length + 1), stamp);
    return { wall, breakdown: breakdownOf(stamps, spawnedAt, spawnedAt + wall, workMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds since the epoch with sub-millisecond precision, the clock of the work's stamps. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The 30 unit scripts: the work program as their interpreter, the dependencies in their headers. */
function writeScripts(dir: string, work: Work, workMs: number): void {
  mkdirSync(dir);
  for (const unit of TEMPLATE) {
    const file = join(dir, unit.name);
    const headers = [
      `# unitsync: unit=${unit.name}`,
      ...(unit.deps.length ? [`# unitsync: want=${unit.deps.join(",")}`] : []),
    ];
    writeFileSync(file, `#!${work.path} ${workMs}\n${headers.join("\n")}\n`);
    chmodSync(file, 0o755);
  }
}

/** The same DAG as a Makefile: a phony target per unit whose recipe executes the unit's script. */
function writeMakefile(dir: string, scripts: string): string {
  const names = TEMPLATE.map((unit) => unit.name).join(" ");
  const rules = TEMPLATE.map(
    (unit) => `${unit.name}:${unit.deps.map((dep) => ` ${dep}`).join("")}\n\t@${join(scripts, unit.name)}\n`,
  );
  const file = join(dir, "Makefile");
  writeFileSync(file, `.PHONY: all ${names}\nall: ${names}\n${rules.join("")}`);
  return file;
}

/** Splits the time over the ideal along the critical chain, from the work's stamps. */
function breakdownOf(
  stamps: Map<string, Stamp>,
  spawnedAt: number,
  exitedAt: number,
  workMs: number,
): Breakdown {
  const byName = new Map(TEMPLATE.map((unit) => [unit.name, unit]));
  const stamp = (unit: string) => {
    const found = stamps.get(unit);
    if (!found || !Number.isFinite(found.start) || !Number.isFinite(found.end))
      throw new Error(`template: no work stamps for unit ${unit}`);
    return found;
  };
  let current = TEMPLATE.reduce((a, b) => (stamp(b.name).end > stamp(a.name).end ? b : a)).name;
  const exit = exitedAt - stamp(current).end;
  let handoffs = 0;
  const steps: number[] = [];
  let overruns = 0;
  for (;;) {
    const { start, end } = stamp(current);
    overruns += end - start - workMs;
    const deps = byName.get(current)?.deps ?? [];
    if (deps.length === 0)
      return { launch: start - spawnedAt, handoffs, steps: steps.reverse(), overruns, exit };
    const last = deps.reduce((a, b) => (stamp(b).end > stamp(a).end ? b : a));
    handoffs += start - stamp(last).end;
    steps.push(start - stamp(last).end);
    current = last;
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function waitForWaiters(agent: BenchAgent, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ping = (await agent.get("/ping")) as { waiters?: number };
    if ((ping.waiters ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${ping.waiters} of ${count} template units are waiting`);
    await Bun.sleep(5); // poll interval while the clients start; bounded by the deadline above
  }
}
