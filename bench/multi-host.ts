/**
 * Benchmark 6, agents sharing one graph through Redis (`agent --store`): a redis-server on a unix
 * socket in a temp dir, three agents on it. Wake latency across agents (a `start` waiting on agent A
 * released by `complete` on agent B) against the single-agent figure, the two interleaved trial by
 * trial in the same run; and the 30-unit template as 30 `run` processes, on one in-memory agent and
 * spread round-robin over the three shared agents.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startRedis } from "../test/_redis.ts";
import { type BenchAgent, startBenchAgent } from "./lib/agent.ts";
import { benchEnv } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { ms, summarize } from "./lib/stats.ts";
import { workProgram } from "./lib/work.ts";
import { TEMPLATE, TEMPLATE_LEVELS } from "./template-dag.ts";

/** Target: the median cross-agent wake is at most this much above the single-agent one. */
export const CROSS_WAKE_TARGET_MS = 5;

interface Options {
  bin: string;
  wakeTrials: number;
  templateTrials: number;
  workMs: number;
}

/** Runs the multi-host benchmark; skipped (with a line saying why) without redis-server. */
export async function multiHost({
  bin,
  wakeTrials,
  templateTrials,
  workMs,
}: Options): Promise<SectionResult> {
  if (!Bun.which("redis-server")) {
    return {
      headlines: [],
      markdown:
        "## 6. Several agents through Redis\n\nSkipped: redis-server is not installed (`apt-get install redis-server`).",
    };
  }
  await using redis = await startRedis();
  const store = ["--store", redis.url, "--namespace", "bench"];
  const single = await startBenchAgent(bin);
  const shared = await Promise.all([0, 1, 2].map(() => startBenchAgent(bin, store)));
  try {
    progress(`multi-host: ${wakeTrials} wake trials on one agent and across two, interleaved`);
    const local: number[] = [];
    const cross: number[] = [];
    for (let trial = 0; trial < wakeTrials; trial++) {
      local.push(await wake(bin, single, single, `local.${trial}`));
      cross.push(await wake(bin, shared[0] as BenchAgent, shared[1] as BenchAgent, `cross.${trial}`));
    }
    progress(`multi-host: the template, ${templateTrials} rounds on one agent and over three`);
    const work = workProgram();
    const oneAgent: number[] = [];
    const threeAgents: number[] = [];
    for (let round = 0; round < templateTrials; round++) {
      oneAgent.push(await templateRun(bin, [single], work.path, workMs, `one.${round}`));
      threeAgents.push(await templateRun(bin, shared, work.path, workMs, `three.${round}`));
    }

    const l = summarize(local);
    const c = summarize(cross);
    const ideal = TEMPLATE_LEVELS * workMs;
    const one = summarize(oneAgent);
    const three = summarize(threeAgents);
    const excess = c.median - l.median;
    const headlines: Headline[] = [
      {
        figure: "cross-agent wake: `complete` on agent B -> `start` on agent A exited (Redis)",
        value: `median ${ms(c.median)} (${ms(excess)} above one agent), p99 ${ms(c.p99)}`,
        target: `median <= single-agent median + ${CROSS_WAKE_TARGET_MS} ms`,
        baseline: `one agent ${ms(l.median)}, same run`,
        met: excess <= CROSS_WAKE_TARGET_MS,
      },
      {
        figure: `template over three agents (Redis): 30 \`run\` processes, ${workMs} ms units`,
        value: `${ms(three.median - ideal)} over the ideal`,
        target: "-",
        baseline: `one in-memory agent ${ms(one.median - ideal)} over the ideal`,
        met: undefined,
      },
    ];
    const markdown = [
      "## 6. Several agents through Redis",
      "",
      "A redis-server (no persistence) on a unix socket in a temp dir; three agents on it with",
      "`--store redis+unix://... --namespace bench`, and one in-memory agent beside them, all on this machine.",
      "",
      `Wake latency, ${wakeTrials} trials of each kind, interleaved: declare \`U\` -> \`U.dep\`, spawn \`start U\` on`,
      'agent A and wait for its "is waiting" line, then spawn `complete U.dep` (on A itself for the single-agent',
      "figure, on agent B for the cross-agent one) and time from that spawn to the exit of `start`.",
      "",
      table(
        ["wake", "median", "p99", "min", "max"],
        [
          ["one agent (in memory)", ms(l.median), ms(l.p99), ms(l.min), ms(l.max)],
          ["across agents (through Redis)", ms(c.median), ms(c.p99), ms(c.min), ms(c.max)],
        ],
      ),
      "",
      `Cross-agent median minus single-agent median: ${ms(excess)} (target <= ${CROSS_WAKE_TARGET_MS} ms: ${verdict(excess <= CROSS_WAKE_TARGET_MS)}).`,
      "",
      `The template (bench/template-dag.ts, 30 units in ${TEMPLATE_LEVELS} levels x ${workMs} ms, ideal ${ms(ideal)}) as 30`,
      "`exp sync run U --want D... -- work` processes launched at once, " +
        `${templateTrials} rounds of each: all on the in-memory agent, or unit i on shared agent i mod 3.`,
      "",
      table(
        ["template", "median wall", "over the ideal", "min", "max"],
        [
          ["one agent (in memory)", ms(one.median), ms(one.median - ideal), ms(one.min), ms(one.max)],
          [
            "three agents (through Redis)",
            ms(three.median),
            ms(three.median - ideal),
            ms(three.min),
            ms(three.max),
          ],
        ],
      ),
    ].join("\n");
    return { headlines, markdown };
  } finally {
    await Promise.all([single, ...shared].map((agent) => agent.stop()));
  }
}

// --- internal ---

/** One wake trial: `start unit` waiting on `waiter`, released by `complete` of its dependency on `releaser`. */
async function wake(bin: string, waiter: BenchAgent, releaser: BenchAgent, unit: string): Promise<number> {
  const dep = `${unit}.dep`;
  await waiter.post("/want", { unit, depends_on: [dep] });
  await releaser.post("/start", { unit: dep, timeout_ms: 0 });
  const proc = Bun.spawn([bin, "exp", "sync", "start", unit, "--socket-path", waiter.socket], {
    env: benchEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  let exitedAt = 0;
  const exited = proc.exited.then((code) => {
    exitedAt = performance.now();
    if (code !== 0) throw new Error(`wake ${unit}: start exited ${code}`);
  });
  const decoder = new TextDecoder();
  let seen = "";
  const reader = proc.stdout.getReader();
  while (!seen.includes("is waiting for dependencies")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`wake ${unit}: start ended before waiting: ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  const t0 = performance.now();
  const complete = Bun.spawn([bin, "exp", "sync", "complete", dep, "--socket-path", releaser.socket], {
    env: benchEnv(),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const [code] = await Promise.all([complete.exited, exited, proc.stdout.cancel().catch(() => {})]);
  if (code !== 0) throw new Error(`wake ${unit}: complete exited ${code}`);
  return exitedAt - t0;
}

/** The 30 units as `run` processes, unit i on agent i mod agents.length; wall time from spawn to last exit. */
async function templateRun(
  bin: string,
  agents: readonly BenchAgent[],
  work: string,
  workMs: number,
  prefix: string,
): Promise<number> {
  const dir = mkdtempSync("/tmp/us-mh-");
  const env = benchEnv({ WORK_LOG: join(dir, "work.log") });
  try {
    const started = performance.now();
    const procs = TEMPLATE.map((unit, i) => {
      const agent = agents[i % agents.length] as BenchAgent;
      const wants = unit.deps.flatMap((dep) => ["--want", `${prefix}.${dep}`]);
      const name = `${prefix}.${unit.name}`;
      return Bun.spawn(
        [
          bin,
          "exp",
          "sync",
          "run",
          name,
          ...wants,
          "--socket-path",
          agent.socket,
          "--",
          work,
          String(workMs),
          name,
        ],
        { env, stdin: "ignore", stdout: "ignore", stderr: "pipe" },
      );
    });
    const codes = await Promise.all(procs.map((proc) => proc.exited));
    const wall = performance.now() - started;
    const failed = codes.findIndex((code) => code !== 0);
    if (failed >= 0) {
      const stderr = await new Response(procs[failed]?.stderr).text();
      throw new Error(`template ${prefix}: unit ${failed} exited ${codes[failed]}: ${stderr}`);
    }
    return wall;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
