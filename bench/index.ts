/**
 * `npm run bench`: builds the floors and the build variants, runs the benchmarks side by side with
 * their baselines (issues 6 and 13), and writes bench/results.md (each figure next to its target).
 *
 *   bun run bench/index.ts [--quick] [--only call,wake,template,scale,fanout] [--out FILE]
 *
 * --quick cuts the trial counts (a smoke test of the harness, not figures to quote).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, getPriority, loadavg, release, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { callCost } from "./call-cost.ts";
import { failFanout } from "./fanout.ts";
import { startBenchAgent } from "./lib/agent.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import {
  buildClientLimit,
  buildFloor,
  buildPingLimit,
  buildRunFloor,
  buildRunnerLimit,
  buildVariants,
  DIST_BIN,
  type Variant,
} from "./lib/variants.ts";
import { multiHost } from "./multi-host.ts";
import { scale } from "./scale.ts";
import { template } from "./template.ts";
import { wakeLatency } from "./wake.ts";

const SECTIONS = ["call", "wake", "template", "scale", "fanout", "multihost"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const only = new Set((values.only?.split(",") ?? SECTIONS) as Section[]);
for (const section of only) {
  if (!SECTIONS.includes(section)) throw new Error(`unknown section "${section}"; use ${SECTIONS.join(",")}`);
}
const quick = values.quick === true;
const outFile = resolve(values.out ?? resolve(import.meta.dir, "results.md"));

/** Trial counts: the full run fits in about ten minutes on a loaded 2-core machine. */
const PLAN = quick
  ? {
      callTrials: 5,
      rssRuns: 2,
      wakeTrials: 20,
      baselineConcurrency: 20,
      templateTrials: 1,
      templateBaselineTrials: 1,
      templateLongTrials: 1,
    }
  : {
      callTrials: 40,
      rssRuns: 5,
      wakeTrials: 200,
      baselineConcurrency: 25,
      templateTrials: 9,
      templateBaselineTrials: 3,
      templateLongTrials: 2,
    };

const startedAt = new Date();
const loadBefore = loadavg();
const wallStart = performance.now();
const results: SectionResult[] = [];

if (only.has("call")) {
  progress("building the floor and the build variants into bench/out/");
  const floor = await buildFloor();
  const runFloor = await buildRunFloor();
  const pingLimit = await buildPingLimit();
  const dist: Variant = { name: "dist", bin: DIST_BIN, options: "build.ts" };
  const binaries = [dist, ...(await buildVariants())];
  const agent = await startBenchAgent(DIST_BIN);
  try {
    results.push(
      await callCost({
        agent,
        floor,
        runFloor,
        binaries,
        pingLimit,
        trials: PLAN.callTrials,
        rssRuns: PLAN.rssRuns,
      }),
    );
  } finally {
    await agent.stop();
  }
}
if (only.has("wake")) {
  const agent = await startBenchAgent(DIST_BIN);
  try {
    results.push(
      await wakeLatency({
        agent,
        bin: DIST_BIN,
        trials: PLAN.wakeTrials,
        baselineConcurrency: PLAN.baselineConcurrency,
      }),
    );
  } finally {
    await agent.stop();
  }
}
if (only.has("template")) {
  const limitRunner = await buildRunnerLimit();
  const limitClient = await buildClientLimit();
  const agent = await startBenchAgent(DIST_BIN);
  try {
    // 200 ms units show the fixed costs (processes starting at once on the machine, a spawn and a
    // completion per level) at their largest share and carry the targets; 1 s units are closer to a
    // real template's steps (a clone, an install), where those fixed costs weigh as they would there.
    results.push(
      await template({
        agent,
        bin: DIST_BIN,
        limitBin: limitRunner.bin,
        limitClientBin: limitClient.bin,
        workMs: 200,
        trials: PLAN.templateTrials,
        baselineTrials: PLAN.templateBaselineTrials,
      }),
    );
    results.push(
      await template({
        agent,
        bin: DIST_BIN,
        workMs: 1000,
        trials: PLAN.templateLongTrials,
        baselineTrials: 0,
        runners: ["make", "scripts", "run", "script"],
      }),
    );
  } finally {
    await agent.stop();
  }
}
if (only.has("scale")) {
  results.push(
    await scale({
      bin: DIST_BIN,
      units: 10_000,
      edgesPerUnit: 5,
      concurrency: 32,
      heldWaiters: quick ? 200 : 1000,
      processWaiters: quick ? 10 : 50,
    }),
  );
}

if (only.has("fanout")) results.push(await failFanout({ bin: DIST_BIN, rounds: quick ? 1 : 5 }));
if (only.has("multihost")) {
  results.push(
    await multiHost({
      bin: DIST_BIN,
      wakeTrials: quick ? 20 : 100,
      templateTrials: quick ? 1 : 3,
      workMs: 200,
    }),
  );
}

/** Under the table when a target is missed: where this run's own figures and the profile explain it. */
const MISSED = [
  "Where a target is missed, the profile that explains it and what was tried are in",
  '[docs/benchmarks.md](../docs/benchmarks.md) ("What the profiling found"); this run\'s own figures for it',
  "are in its section below. The call cost: the `limit` rows of section 1 are a minimal compiled Bun",
  "client sending the same request, without and with unitsync's socket check, so the floor of any",
  "Bun-based client is there to compare with. The script runner: section 3 splits its time over",
  "the ideal into launch, hand-offs and exit, beside make's and beside the `limit` runner's, a",
  "minimal compiled Bun program spawning the same scripts (bench/limit-runner.ts): what the runtime",
  "alone costs a runner, so what is left above it is unitsync's own. `run` and the want/start/complete",
  "scripts pay the call cost once (`run`: twice, start and complete) or three times per unit, 30",
  "processes starting at once on the machine's cores; their `limit` rows run the same scripts with a",
  "minimal compiled Bun client (bench/limit-client.ts: one fetch per verb with the socket check, nothing",
  "else) in place of unitsync's.",
].join("\n");

const headlines: Headline[] = results.flatMap((result) => result.headlines);
const markdown = [
  "# unitsync benchmarks",
  "",
  `Generated by \`npm run bench\` (\`bun run build.ts && bun run bench/index.ts${Bun.argv.slice(2).length ? ` ${Bun.argv.slice(2).join(" ")}` : ""}\`)`,
  `on ${startedAt.toISOString()}; do not edit by hand.${quick ? " **Quick run: reduced trial counts, not figures to quote.**" : ""}`,
  "",
  "## Machine",
  "",
  machine(loadBefore, loadavg(), (performance.now() - wallStart) / 1000),
  "",
  "## Figures against targets",
  "",
  table(
    ["figure", "measured", "target", "baseline (same run)", "verdict"],
    headlines.map((h) => [h.figure, h.value, h.target, h.baseline, verdict(h.met)]),
  ),
  "",
  ...(headlines.some((h) => h.met === false) ? [MISSED, ""] : []),
  ...results.map((result) => `${result.markdown}\n`),
].join("\n");
writeFileSync(outFile, markdown);
// Keep the generated file as the repository's formatter (biome, part of `npm test`) wants it.
try {
  Bun.spawnSync([resolve(import.meta.dir, "../node_modules/.bin/biome"), "format", "--write", outFile], {
    stdout: "ignore",
    stderr: "ignore",
  });
} catch {
  // No biome (dependencies not installed): the tables are already padded the way it pads them.
}
progress(`wrote ${outFile}`);
console.log(
  table(
    ["figure", "measured", "target", "verdict"],
    headlines.map((h) => [h.figure, h.value, h.target, verdict(h.met)]),
  ),
);

// --- internal ---

function machine(before: number[], after: number[], seconds: number): string {
  const cpu = cpus();
  const osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(safeRead("/etc/os-release"))?.[1] ?? "unknown";
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: import.meta.dir })
    .stdout.toString()
    .trim();
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--", "src", "build.ts"], {
    cwd: import.meta.dir,
  })
    .stdout.toString()
    .trim();
  return [
    `- CPU: ${cpu.length} x ${cpu[0]?.model ?? "unknown"}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; OS: ${osName}, Linux ${release()}`,
    `- Bun ${Bun.version}; unitsync commit ${commit || "unknown"}${dirty ? " (with uncommitted changes in src/ or build.ts)" : ""}`,
    `- load average (1/5/15 min) before: ${before.map((x) => x.toFixed(2)).join(" / ")}, after: ${after.map((x) => x.toFixed(2)).join(" / ")}`,
    `- whole run: ${seconds.toFixed(0)} s; scheduling priority: nice ${getPriority()}${getPriority() < 0 ? " (raised above the machine's other work, which the figures would otherwise carry)" : ""}`,
  ].join("\n");
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
