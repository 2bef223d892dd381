/**
 * Benchmark 1, call cost: the hot verbs (`ping`, `want`, `start` with no dependencies, `complete`,
 * `fail`, `run -- true`) as whole processes, next to a compiled Bun binary that does nothing (the
 * floor; for `run`, one that only runs the command), for dist/unitsync and for each build variant. Runs are interleaved (every binary once per trial round) so that drift in
 * the machine's load hits all of them alike.
 */
import type { BenchAgent } from "./lib/agent.ts";
import { mustRun, peakRssKiB, rssMethod, timed } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { mib, ms, ratio, type Summary, summarize } from "./lib/stats.ts";
import type { Variant } from "./lib/variants.ts";

/** The verbs measured, in the order one round runs them (start before complete of the same unit). */
export const VERBS = ["ping", "want", "start", "complete", "fail", "run"] as const;
type Verb = (typeof VERBS)[number];

/** Target: a verb costs at most this many times the floor. */
export const CALL_COST_TARGET = 1.25;

interface Options {
  agent: BenchAgent;
  floor: Variant;
  /** bench/floor-run.ts: the floor of `run`, which spawns the command. */
  runFloor: Variant;
  /** dist/unitsync first, then the variants. */
  binaries: Variant[];
  /** bench/limit-ping.ts: the least a Bun binary does to `ping`, timed alone and with the socket check. */
  pingLimit: Variant;
  trials: number;
  rssRuns: number;
}

/** Runs the call-cost benchmark. */
export async function callCost({
  agent,
  floor,
  runFloor,
  binaries,
  pingLimit,
  trials,
  rssRuns,
}: Options): Promise<SectionResult> {
  const limits = [
    { name: "limit: fetch", argv: [pingLimit.bin, agent.socket] },
    { name: "limit: fetch + socket check", argv: [pingLimit.bin, agent.socket, "--checked"] },
  ];
  const wall = new Map<string, number[]>();
  const key = (bin: string, verb: string) => `${bin}\0${verb}`;
  const record = (bin: string, verb: string, value: number) => {
    const list = wall.get(key(bin, verb)) ?? [];
    list.push(value);
    wall.set(key(bin, verb), list);
  };

  // Warm the page cache for every binary before timing anything.
  await timed([floor.bin]);
  await timed([runFloor.bin, "true"]);
  for (const binary of binaries) await mustRun(argv(binary.bin, agent.socket, "ping", "warm"));

  progress(
    `call cost: ${trials} rounds x ${binaries.length} binaries x ${VERBS.length} verbs, plus the floor`,
  );
  for (let trial = 0; trial < trials; trial++) {
    record(floor.name, "floor", (await timed([floor.bin])).wallMs);
    record(runFloor.name, "floor", (await timed([runFloor.bin, "true"])).wallMs);
    for (const limit of rotate(limits, trial)) record(limit.name, "ping", (await mustRun(limit.argv)).wallMs);
    for (const binary of rotate(binaries, trial)) {
      const unit = `cc.${binary.name}.${trial}`;
      for (const verb of VERBS) {
        const result = await mustRun(argv(binary.bin, agent.socket, verb, unit));
        record(binary.name, verb, result.wallMs);
      }
    }
  }

  progress(`call cost: peak RSS, ${rssRuns} runs each (${rssMethod()})`);
  const rss = new Map<string, number[]>();
  const floorRss: number[] = [];
  const limitRss = new Map<string, number[]>();
  const runFloorRss: number[] = [];
  for (let run = 0; run < rssRuns; run++) {
    floorRss.push(await peakRssKiB([floor.bin]));
    runFloorRss.push(await peakRssKiB([runFloor.bin, "true"]));
    for (const limit of limits)
      limitRss.set(limit.name, [...(limitRss.get(limit.name) ?? []), await peakRssKiB(limit.argv)]);
    for (const binary of binaries) {
      for (const verb of VERBS) {
        const list = rss.get(key(binary.name, verb)) ?? [];
        list.push(await peakRssKiB(argv(binary.bin, agent.socket, verb, `rss.${binary.name}.${run}`)));
        rss.set(key(binary.name, verb), list);
      }
    }
  }

  const floorWallOf = (verb: Verb) =>
    summarize(wall.get(key(verb === "run" ? runFloor.name : floor.name, "floor")) ?? []);
  const floorWall = floorWallOf("ping");
  const floorRssOf = (verb: Verb) => summarize(verb === "run" ? runFloorRss : floorRss).median;
  const stat = (bin: string, verb: Verb): Summary => summarize(wall.get(key(bin, verb)) ?? []);
  const rssOf = (bin: string, verb: Verb) => summarize(rss.get(key(bin, verb)) ?? []).median;

  const wallRows: string[][] = binaries.map((binary) => [
    `${binary.name} (${binary.options})`,
    ...VERBS.map((verb) => {
      const s = stat(binary.name, verb);
      return `${ms(s.median)} / ${ms(s.p99)} (${ratio(s.median / floorWallOf(verb).median)})`;
    }),
  ]);
  wallRows.unshift([
    `floor (${floor.options}; for \`run\`: bench/floor-run.ts)`,
    ...VERBS.map((verb) => {
      const f = floorWallOf(verb);
      return `${ms(f.median)} / ${ms(f.p99)} (1.00x)`;
    }),
  ]);
  // The limits only `ping`: a row each below the floor, the other verbs left empty.
  wallRows.splice(
    0,
    0,
    ...limits.map((limit) => {
      const s = stat(limit.name, "ping");
      const cell = `${ms(s.median)} / ${ms(s.p99)} (${ratio(s.median / floorWall.median)})`;
      return [`${limit.name} (bench/limit-ping.ts)`, cell, ...VERBS.slice(1).map(() => "-")];
    }),
  );
  const rssRows = binaries.map((binary) => [
    binary.name,
    ...VERBS.map(
      (verb) => `${mib(rssOf(binary.name, verb))} (${ratio(rssOf(binary.name, verb) / floorRssOf(verb))})`,
    ),
  ]);
  for (const limit of [...limits].reverse()) {
    const peak = summarize(limitRss.get(limit.name) ?? []).median;
    rssRows.unshift([
      limit.name,
      `${mib(peak)} (${ratio(peak / floorRssOf("ping"))})`,
      ...VERBS.slice(1).map(() => "-"),
    ]);
  }
  rssRows.unshift(["floor", ...VERBS.map((verb) => `${mib(floorRssOf(verb))} (1.00x)`)]);

  const [dist] = binaries as [Variant, ...Variant[]];
  const headlines: Headline[] = VERBS.map((verb) => {
    const s = stat(dist.name, verb);
    const f = floorWallOf(verb);
    const r = s.median / f.median;
    return {
      figure: `call cost: \`${verb === "run" ? "run -- true" : verb}\` (${dist.name}), median wall`,
      value: `${ms(s.median)} (p99 ${ms(s.p99)}) = ${ratio(r)} the floor`,
      target: `<= ${CALL_COST_TARGET}x the floor`,
      baseline:
        verb === "run"
          ? `floor-run ${ms(f.median)} (a Bun binary running \`true\`)`
          : `floor ${ms(f.median)}`,
      met: r <= CALL_COST_TARGET,
    };
  });
  const [fetchOnly, checked] = limits.map((limit) => stat(limit.name, "ping").median) as [number, number];
  headlines.push({
    figure:
      "call cost: the limit, a minimal compiled Bun client sending the same `ping` (bench/limit-ping.ts), median wall",
    value: `${ms(fetchOnly)} = ${ratio(fetchOnly / floorWall.median)} the floor; with unitsync's socket check ${ms(checked)} = ${ratio(checked / floorWall.median)}`,
    target: "(no target: the least any Bun client costs)",
    baseline: `floor ${ms(floorWall.median)}`,
    met: undefined,
  });
  const fastest = fastestVariant(binaries, stat);
  headlines.push({
    figure: `call cost: fastest build variant (${fastest.name}), median over ${VERBS.length - 1} verbs (all but \`run\`)`,
    value: `${ms(fastest.median)} = ${ratio(fastest.median / floorWall.median)} the floor`,
    target: `<= ${CALL_COST_TARGET}x the floor`,
    baseline: `floor ${ms(floorWall.median)}`,
    met: fastest.median / floorWall.median <= CALL_COST_TARGET,
  });

  const markdown = [
    "## 1. Call cost",
    "",
    `Each verb run as a whole process against a live agent, ${trials} rounds; a round runs the floor once and`,
    "every binary once per verb, rotating the order of the binaries. Wall time is measured by the bench",
    "process from just before the spawn to the exit (stdout and stderr piped and read). The floor is",
    "bench/floor.ts, an empty module compiled with the same options as the release binary; `run -- true` is",
    "set against bench/floor-run.ts compiled the same way, which only spawns `true` and waits for it.",
    "The two `limit` rows are bench/limit-ping.ts, compiled like dist/unitsync: the same `GET /v1/ping`",
    "with fetch and nothing else (no command line, no validation), then with unitsync's socket check",
    "running while the request is on its way, as in the real client: the least a Bun-based `ping` costs.",
    "",
    "Cells: median / p99 (median as a multiple of the floor's median).",
    "",
    table(["binary (build options)", ...VERBS.map((v) => `\`${v}\``)], wallRows),
    "",
    `Peak RSS, median of ${rssRuns} runs, measured with ${rssMethod()}:`,
    "",
    table(["binary", ...VERBS.map((v) => `\`${v}\``)], rssRows),
    "",
    `Target: each verb within ${CALL_COST_TARGET}x of the floor's wall time: ${verdict(headlines.every((h) => h.met))} for ${dist.name}.`,
  ].join("\n");
  return { headlines, markdown };
}

// --- internal ---

function argv(bin: string, socket: string, verb: string, unit: string): string[] {
  const base = [bin, "exp", "sync", verb];
  switch (verb) {
    case "ping":
      return [...base, "--socket-path", socket];
    case "want":
      // A unit of its own: `start` and `complete` below act on `unit`, which has no dependencies.
      return [...base, `${unit}.w`, `${unit}.dep`, "--socket-path", socket];
    case "fail":
      // The pending unit `want` declared.
      return [...base, `${unit}.w`, "--reason", "bench", "--socket-path", socket];
    case "run":
      return [...base, `${unit}.r`, "--socket-path", socket, "--", "true"];
    default:
      return [...base, unit, "--socket-path", socket];
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function fastestVariant(
  binaries: readonly Variant[],
  stat: (bin: string, verb: Verb) => Summary,
): { name: string; median: number } {
  let best = { name: "", median: Number.POSITIVE_INFINITY };
  for (const binary of binaries) {
    const median = summarize(
      VERBS.filter((verb) => verb !== "run").map((verb) => stat(binary.name, verb).median),
    ).median;
    if (median < best.median) best = { name: binary.name, median };
  }
  return best;
}
