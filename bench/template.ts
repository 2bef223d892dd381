/**
 * Benchmark 3, a realistic template: the 30 units of template-dag.ts, each doing a fixed sleep as
 * its work, all launched at once as parallel processes. Total wall time (first spawn to last exit)
 * against the ideal, the critical path's summed work, for unitsync and for the two baselines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { BenchAgent } from "./lib/agent.ts";
import { benchEnv } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { ms, ratio, summarize } from "./lib/stats.ts";
import { TEMPLATE, TEMPLATE_LEVELS, type TemplateUnit } from "./template-dag.ts";

/** Target: the whole template takes at most this fraction more than the ideal. */
export const TEMPLATE_TARGET = 0.02;

interface Options {
  agent: BenchAgent;
  bin: string;
  workMs: number;
  trials: number;
  baselineTrials: number;
}

type Runner = "run" | "run-warm" | "script" | "polling" | "marker";

/** Runs the template benchmark. */
export async function template({
  agent,
  bin,
  workMs,
  trials,
  baselineTrials,
}: Options): Promise<SectionResult> {
  const ideal = TEMPLATE_LEVELS * workMs;
  const hasRun = await supportsRun(bin);
  const ours: Runner = hasRun ? "run" : "script";
  const runners: [Runner, number][] = [
    [ours, trials],
    ["polling", baselineTrials],
    ["marker", baselineTrials],
  ];
  if (hasRun) runners.splice(1, 0, ["run-warm", trials], ["script", trials]);
  const results = new Map<Runner, number[]>();
  const breakdowns = new Map<Runner, Breakdown[]>();
  let round = 0;
  for (const [runner, count] of runners) {
    progress(`template: ${count} trials with ${describe(runner)}`);
    for (let trial = 0; trial < count; trial++) {
      // Unique per run of this section too: the agent is shared, and a unit that already completed would not wait.
      const prefix = `w${workMs}t${round++}`;
      const result = await runTemplate(runner, agent, bin, workMs, prefix);
      results.set(runner, [...(results.get(runner) ?? []), result.wall]);
      if (runner !== "polling" && runner !== "marker") {
        const breakdown = await breakdownOf(agent, prefix, result, workMs);
        breakdowns.set(runner, [...(breakdowns.get(runner) ?? []), breakdown]);
      }
    }
  }

  const rows = runners.map(([runner]) => {
    const s = summarize(results.get(runner) ?? []);
    return [
      describe(runner),
      String(s.n),
      ms(s.median),
      ms(s.max),
      `${ms(s.median - ideal)} (${((100 * (s.median - ideal)) / ideal).toFixed(1)}%)`,
      ratio(s.median / ideal),
    ];
  });
  const best = summarize(results.get(ours) ?? []);
  const polling = summarize(results.get("polling") ?? []);
  const marker = summarize(results.get("marker") ?? []);
  const overhead = (best.median - ideal) / ideal;
  const headlines: Headline[] = [
    {
      figure: `template: 30 units in ${TEMPLATE_LEVELS} levels, ${workMs} ms of work each (${describe(ours)})`,
      value: `${ms(best.median)}, overhead ${(100 * overhead).toFixed(1)}% of the ideal ${ms(ideal)}`,
      target: `overhead < ${100 * TEMPLATE_TARGET}% of the ideal`,
      baseline: `polling ${ms(polling.median)} (+${((100 * (polling.median - ideal)) / ideal).toFixed(0)}%); marker ${ms(marker.median)} (+${((100 * (marker.median - ideal)) / ideal).toFixed(0)}%)`,
      met: overhead < TEMPLATE_TARGET,
    },
  ];
  const breakdownRows = [...breakdowns].map(([runner, list]) => {
    const median = (pick: (b: Breakdown) => number) => ms(summarize(list.map(pick)).median);
    return [
      describe(runner),
      median((b) => b.launch),
      median((b) => b.overruns),
      median((b) => b.handoffs),
      median((b) => b.exit),
      median((b) => b.launch + b.overruns + b.handoffs + b.exit),
    ];
  });
  const markdown = [
    `## 3. Realistic template, ${workMs} ms of work per unit`,
    "",
    `30 units in ${TEMPLATE_LEVELS} levels (bench/template-dag.ts: clone, toolchains, database, migrations, IDE, apps);`,
    `each unit's work is \`sleep ${workMs / 1000}\`. All 30 unit processes are spawned at once; the wall time runs from the`,
    `first spawn to the last exit. The ideal is the critical path's summed work: ${TEMPLATE_LEVELS} x ${workMs} ms = ${ms(ideal)}.`,
    "",
    ...runners.map(
      ([runner]) => `- ${describe(runner)}: \`${scriptFor(runner, "U", ["D1", "D2"], workMs).trim()}\``,
    ),
    "",
    table(["runner", "trials", "median wall", "max wall", "overhead (median)", "vs ideal"], rows),
    "",
    `Target: overhead under ${100 * TEMPLATE_TARGET}% of the ideal: ${verdict(overhead < TEMPLATE_TARGET)}.`,
    "",
    "Where the unitsync overhead goes, from the agent's own times (`GET /v1/snapshot`, millisecond resolution),",
    "along the critical chain (back from the unit that completed last, through the dependency that completed",
    "last at each step): launch is the first spawn (with waiting clients: the gate's completion) to the",
    "chain's first unit started (30 clients start at once); overruns are each chain unit's completed - started - work (spawning the work, reporting the",
    "completion); hand-offs are each chain unit's started - its dependency's completed (the wake-up); exit is",
    "the last completion to the last process exit. Together they make the time over the ideal.",
    "",
    table(
      ["runner", "launch", "overruns (sum)", "hand-offs (sum)", "exit", "total over the ideal"],
      breakdownRows,
    ),
    hasRun
      ? ""
      : "\n`run` was not available in this build, so unitsync ran as a want/start/complete shell script.",
  ].join("\n");
  return { headlines, markdown };
}

// --- internal ---

function describe(runner: Runner): string {
  switch (runner) {
    case "run":
      return "unitsync `run`";
    case "run-warm":
      return "unitsync `run`, clients already waiting (launch excluded)";
    case "script":
      return "unitsync want/start/complete script";
    case "polling":
      return "polling client (1 s)";
    case "marker":
      return "marker files (1 s)";
  }
}

async function supportsRun(bin: string): Promise<boolean> {
  const proc = Bun.spawn([bin, "exp", "sync", "run", "--help"], {
    env: benchEnv(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return code === 0 && out.includes("--want");
}

/** The shell script of one unit; $BIN, $SOCK and $DIR come from the environment. */
function scriptFor(runner: Runner, unit: string, deps: readonly string[], workMs: number): string {
  const work = `sleep ${workMs / 1000}`;
  const sync = `"$BIN" exp sync`;
  const sock = '--socket-path "$SOCK"';
  const want = deps.length > 0 ? `${sync} want ${unit} ${deps.join(" ")} ${sock} >/dev/null && ` : "";
  switch (runner) {
    case "run":
    case "run-warm":
      return `exec ${sync} run ${unit} ${deps.map((d) => `--want ${d} `).join("")}${sock} -- ${work}`;
    case "script":
      return `${want}${sync} start ${unit} ${sock} >/dev/null && ${work} && ${sync} complete ${unit} ${sock} >/dev/null`;
    case "polling":
      return (
        `${want}until ${sync} status ${unit} -o json ${sock} | grep -q '"is_ready": true'; do sleep 1; done && ` +
        `${sync} start ${unit} ${sock} >/dev/null && ${work} && ${sync} complete ${unit} ${sock} >/dev/null`
      );
    case "marker":
      return `${deps.map((d) => `while [ ! -f "$DIR/${d}" ]; do sleep 1; done; `).join("")}${work} && touch "$DIR/${unit}"`;
  }
}

/** Where one trial's time over the ideal went, along its critical chain (see the section text). */
interface Breakdown {
  launch: number;
  overruns: number;
  handoffs: number;
  exit: number;
}

interface SnapshotUnit {
  unit_name: string;
  depends_on: string[];
  times: { started_at?: string; finished_at?: string };
}

/**
 * The agent's view of one trial: the critical chain is found backwards from the unit that completed
 * last, through the dependency that completed last at each step; its time over the ideal splits
 * exactly into launch, overruns, hand-offs and exit.
 */
async function breakdownOf(
  agent: BenchAgent,
  prefix: string,
  trial: Trial,
  workMs: number,
): Promise<Breakdown> {
  const snapshot = (await agent.get("/snapshot")) as { units: SnapshotUnit[] };
  const units = new Map(
    snapshot.units
      .filter((unit) => unit.unit_name.startsWith(`${prefix}.`) && unit.unit_name !== `${prefix}.gate`)
      .map((unit) => [unit.unit_name, unit]),
  );
  const at = (iso: string | undefined) => (iso === undefined ? Number.NaN : Date.parse(iso));
  const finished = (name: string) => at(units.get(name)?.times.finished_at);
  let current = [...units.keys()].reduce((a, b) => (finished(b) > finished(a) ? b : a));
  const exit = trial.spawnedAt + trial.wall - finished(current);
  let overruns = 0;
  let handoffs = 0;
  for (;;) {
    const unit = units.get(current) as SnapshotUnit;
    const started = at(unit.times.started_at);
    overruns += finished(current) - started - workMs;
    const deps = unit.depends_on.filter((dep) => units.has(dep));
    if (deps.length === 0) return { launch: started - trial.spawnedAt, overruns, handoffs, exit };
    const last = deps.reduce((a, b) => (finished(b) > finished(a) ? b : a));
    handoffs += started - finished(last);
    current = last;
  }
}

interface Trial {
  wall: number;
  /** Date.now() at the first spawn, to line up with the agent's times. */
  spawnedAt: number;
}

async function runTemplate(
  runner: Runner,
  agent: BenchAgent,
  bin: string,
  workMs: number,
  prefix: string,
): Promise<Trial> {
  const dir = mkdtempSync("/tmp/us-tpl-");
  const name = (unit: string) => `${prefix}.${unit}`;
  const env = benchEnv({ BIN: bin, SOCK: agent.socket, DIR: dir });
  // Warm: every first-level unit also waits on a gate, opened once all 30 clients are waiting.
  const warm = runner === "run-warm";
  const gate = name("gate");
  const depsOf = (unit: TemplateUnit) => (warm && unit.deps.length === 0 ? [gate] : unit.deps.map(name));
  try {
    if (warm) await agent.post("/start", { unit: gate, timeout_ms: 0 });
    let spawnedAt = Date.now();
    let started = performance.now();
    const procs = TEMPLATE.map((unit: TemplateUnit) =>
      Bun.spawn(["sh", "-c", scriptFor(runner, name(unit.name), depsOf(unit), workMs)], {
        env,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      }),
    );
    if (warm) {
      await waitForWaiters(agent, TEMPLATE.length);
      spawnedAt = Date.now();
      started = performance.now();
      await agent.post("/complete", { unit: gate });
    }
    const codes = await Promise.all(procs.map((proc) => proc.exited));
    const wall = performance.now() - started;
    const failed = codes.findIndex((code) => code !== 0);
    if (failed >= 0) {
      const stderr = await new Response(procs[failed]?.stderr).text();
      throw new Error(
        `template (${runner}): unit ${TEMPLATE[failed]?.name} exited ${codes[failed]}: ${stderr}`,
      );
    }
    return { wall, spawnedAt };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
