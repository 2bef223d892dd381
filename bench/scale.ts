/**
 * Benchmark 4, scale: 10,000 units with 50,000 edges registered over one client and over many
 * (direct HTTP requests from the bench process over the unix socket), status reads likewise, then
 * 1,000 clients waiting on one unit woken by one `complete`, and the agent's peak RSS.
 */
import { readFileSync } from "node:fs";
import { seededRandom } from "../test/_random.ts";
import { type BenchAgent, startBenchAgent } from "./lib/agent.ts";
import { type HeldWait, holdWait } from "./lib/held.ts";
import { benchEnv, mustRun, pool } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { mib, ms, rate } from "./lib/stats.ts";

/** Target: every waiter released within this long of the `complete`. */
export const RELEASE_TARGET_MS = 1000;
/** Target: the agent's peak RSS with 10,000 units. */
export const RSS_TARGET_KIB = 64 * 1024;

interface Options {
  bin: string;
  units: number;
  edgesPerUnit: number;
  concurrency: number;
  heldWaiters: number;
  processWaiters: number;
}

/** Runs the scale benchmark; it starts its own agents. */
export async function scale(options: Options): Promise<SectionResult> {
  const { bin, units, edgesPerUnit, concurrency, heldWaiters, processWaiters } = options;
  const dag = randomDag(units, edgesPerUnit);
  const edges = dag.reduce((sum, unit) => sum + unit.deps.length, 0);
  const count = (n: number) => n.toLocaleString("en-US");

  progress(`scale: ${units} units / ${edges} edges over one client`);
  const single = await startBenchAgent(bin);
  let singleRun: LoadRun;
  let singleEnd: Memory;
  const views: { view: string; ms: number; cpuMs: number; bytes: number; memory: Memory }[] = [];
  try {
    singleRun = await load(single, dag, 1);
    singleEnd = memoryOf(single.pid);
    // What a person looking at the whole graph asks; each answer is built by the agent in one go.
    for (const view of VIEWS) {
      progress(`scale: \`${view.join(" ")}\` at ${units} units`);
      const cpuBefore = cpuMsOf(single.pid);
      const started = performance.now();
      const result = await mustRun([bin, "exp", "sync", ...view, "--socket-path", single.socket]);
      views.push({
        view: view.join(" "),
        ms: performance.now() - started,
        cpuMs: cpuMsOf(single.pid) - cpuBefore,
        bytes: result.stdout.length,
        memory: memoryOf(single.pid),
      });
    }
  } finally {
    await single.stop();
  }

  progress(`scale: ${units} units / ${edges} edges over ${concurrency} concurrent clients`);
  const many = await startBenchAgent(bin);
  try {
    const manyRun = await load(many, dag, concurrency);
    const loaded = memoryOf(many.pid);
    progress(`scale: ${heldWaiters} held waits + ${processWaiters} waiting processes on one unit`);
    const release = await releaseWaiters(many, bin, heldWaiters, processWaiters);
    const end = memoryOf(many.pid);

    const released =
      release.lastProcessMs === undefined
        ? release.lastHeldMs
        : Math.max(release.lastHeldMs, release.lastProcessMs);
    const rssAtUnits = Math.max(singleRun.rssAfterWants, manyRun.rssAfterWants);
    const peakWithViews = views.at(-1)?.memory.hwm ?? singleEnd.hwm;
    const headlines: Headline[] = [
      {
        figure: `scale: register ${count(units)} units / ${count(edges)} edges (\`POST /v1/want\`)`,
        value: `${rate(singleRun.wantPerSecond)} over one client; ${rate(manyRun.wantPerSecond)} over ${concurrency}`,
        target: "(no target)",
        baseline: "-",
        met: undefined,
      },
      {
        figure: `scale: ${count(heldWaiters + processWaiters)} clients waiting on one unit, released by one \`complete\``,
        value: `last released ${ms(released)} after the \`complete\` was spawned`,
        target: `<= ${ms(RELEASE_TARGET_MS)}`,
        baseline: "polling at 1 s: up to 1 s for the last one, and 1,000 status calls a second while waiting",
        met: released <= RELEASE_TARGET_MS,
      },
      {
        figure: `scale: agent peak RSS (VmHWM), ${count(units)} units / ${count(edges)} edges, after ${READ_SAMPLE} status reads, ${VIEWS.map((v) => `\`${v.join(" ")}\``).join(", ")}`,
        value: `${mib(peakWithViews)} (after the wants alone: ${mib(singleRun.rssAfterWants)})`,
        target: `<= ${mib(RSS_TARGET_KIB)}`,
        baseline: `idle agent: ${mib(singleRun.idleRss)}`,
        met: peakWithViews <= RSS_TARGET_KIB,
      },
    ];
    const memoryRow = (what: string, memory: Memory) => [
      what,
      mib(memory.hwm),
      mib(memory.rss),
      mib(memory.anon),
      mib(memory.file),
    ];
    const markdown = [
      "## 4. Scale",
      "",
      `A random DAG of ${count(units)} units with ${count(edges)} edges (each unit depends on ${edgesPerUnit} earlier units,`,
      "mostly near ones; the first units depend on a few never-registered seed units). Each unit is one",
      "`POST /v1/want` with all its dependencies, sent in index order (dependencies before dependents) by",
      "the bench process with fetch over the unix socket. One client sends a request after the previous",
      `answer; many clients keep ${concurrency} requests in flight. Status reads: \`GET /v1/units/<unit>\` for ${READ_SAMPLE}`,
      "units spread over the graph (each walks the unit's pending ancestry for its waiting_on chain, which",
      "in this all-pending graph is most of the graph; bounded: 500 units weighed in full, then one dependency each).",
      "",
      table(
        ["clients", "want requests", "edges/s", "wants/s", "status reads/s", "peak RSS after the wants"],
        [
          [
            "1",
            count(units),
            rate(singleRun.edgePerSecond),
            rate(singleRun.wantPerSecond),
            rate(singleRun.readPerSecond),
            mib(singleRun.rssAfterWants),
          ],
          [
            String(concurrency),
            count(units),
            rate(manyRun.edgePerSecond),
            rate(manyRun.wantPerSecond),
            rate(manyRun.readPerSecond),
            mib(manyRun.rssAfterWants),
          ],
        ],
      ),
      "",
      `Then, on the agent already holding the ${count(units)} units: ${count(heldWaiters)} \`start\` requests held open by the bench`,
      "process, each on its own raw unix-socket connection (`POST /v1/start` of `wake.N` with",
      `\`depends_on: [gate]\`), plus ${processWaiters} real \`unitsync exp sync start\` processes (spawning a thousand`,
      "processes is heavy on a small machine, so most of the waiters are held HTTP streams). Once the agent",
      "reports every one of them waiting (`waiters` of `GET /v1/ping`), one `unitsync exp sync complete gate`",
      "process is spawned; the clock runs from that spawn.",
      "",
      table(
        ["measure", "time after the `complete` spawn"],
        [
          ["the `complete` process exited", ms(release.completeMs)],
          [`first of ${count(heldWaiters)} held streams got its "started" line`, ms(release.firstHeldMs)],
          [`last of ${count(heldWaiters)} held streams got its "started" line`, ms(release.lastHeldMs)],
          [
            `last of ${processWaiters} waiting \`start\` processes exited`,
            release.lastProcessMs === undefined ? "n/a" : ms(release.lastProcessMs),
          ],
        ],
      ),
      "",
      "The agent's memory (/proc/<pid>/status: VmHWM is the peak RSS; RssFile is mostly the pages of the",
      "100 MB executable that have been touched, shared with every other unitsync process and evictable):",
      "",
      table(
        ["agent", "VmHWM", "VmRSS", "RssAnon", "RssFile"],
        [
          memoryRow("idle (just started)", singleRun.idleMemory),
          memoryRow(`one client: after ${count(units)} wants`, singleRun.afterWants),
          memoryRow(`then after ${READ_SAMPLE} status reads`, singleEnd),
          ...views.map((view) => memoryRow(`then after \`${view.view}\``, view.memory)),
          memoryRow(`${concurrency} clients: after ${count(units)} wants`, manyRun.afterWants),
          memoryRow(`then after ${READ_SAMPLE} status reads`, loaded),
          memoryRow(`then after the ${count(heldWaiters + processWaiters)} waiters`, end),
        ],
      ),
      "",
      "The views, each one `unitsync exp sync` process against the one-client agent (time from spawn to exit,",
      "which is mostly the client's; the agent's own CPU time for the answer, from /proc/<pid>/schedstat,",
      "which the load of a shared machine moves far less; the answer's size on stdout):",
      "",
      table(
        ["view", "time", "agent CPU", "output", "agent VmHWM after it"],
        views.map((view) => [
          `\`${view.view}\``,
          ms(view.ms),
          ms(view.cpuMs),
          `${(view.bytes / 1024).toFixed(0)} KiB`,
          mib(view.memory.hwm),
        ]),
      ),
      "",
      `Targets: all released within ${ms(RELEASE_TARGET_MS)}: ${verdict(released <= RELEASE_TARGET_MS)}; the agent's peak RSS at ${count(units)} units, views included,`,
      `at most ${mib(RSS_TARGET_KIB)}: ${verdict(peakWithViews <= RSS_TARGET_KIB)} (${mib(peakWithViews)}; ${mib(rssAtUnits)} after the wants alone, the larger of the two agents).`,
    ].join("\n");
    return { headlines, markdown };
  } finally {
    await many.stop();
  }
}

/** An agent's memory, in KiB. */
export interface Memory {
  hwm: number;
  rss: number;
  anon: number;
  file: number;
}

/** The CPU time the process has run so far, in ms (/proc/<pid>/schedstat: nanoseconds on a CPU). */
export function cpuMsOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
}

/** The memory figures of /proc/<pid>/status, in KiB. */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { hwm: field("VmHWM"), rss: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile") };
}

export interface DagUnit {
  name: string;
  deps: string[];
}

/** The whole-graph views asked of the one-client agent, in this order. */
export const VIEWS = [["list"], ["graph", "-o", "json"], ["timeline"]] as const;

/** Status reads per load run. */
export const READ_SAMPLE = 500;

/** The benchmark's DAG: `units` units with `edgesPerUnit` dependencies each, the same on every run. */
export function randomDag(units: number, edgesPerUnit: number): DagUnit[] {
  const random = seededRandom(4);
  const name = (i: number) => `u${String(i).padStart(5, "0")}`;
  const dag: DagUnit[] = [];
  for (let i = 0; i < units; i++) {
    const deps = new Set<string>();
    while (deps.size < edgesPerUnit) {
      // Mostly local structure (the previous 100 units), sometimes anywhere earlier.
      const span = random() < 0.8 ? Math.min(i, 100) : i;
      if (span === 0 || deps.size >= i) deps.add(`seed${deps.size}`);
      else deps.add(name(i - 1 - Math.floor(random() * span)));
    }
    dag.push({ name: name(i), deps: [...deps] });
  }
  return dag;
}

// --- internal ---

interface LoadRun {
  idleRss: number;
  idleMemory: Memory;
  rssAfterWants: number;
  afterWants: Memory;
  wantPerSecond: number;
  edgePerSecond: number;
  readPerSecond: number;
}

async function load(agent: BenchAgent, dag: readonly DagUnit[], concurrency: number): Promise<LoadRun> {
  const edges = dag.reduce((sum, unit) => sum + unit.deps.length, 0);
  const idleMemory = memoryOf(agent.pid);
  let started = performance.now();
  if (concurrency === 1) {
    for (const unit of dag) await agent.post("/want", { unit: unit.name, depends_on: unit.deps });
  } else {
    await pool(
      concurrency,
      dag.map((unit) => () => agent.post("/want", { unit: unit.name, depends_on: unit.deps })),
    );
  }
  const wantSeconds = (performance.now() - started) / 1000;
  const afterWants = memoryOf(agent.pid);
  // A sample of the units, spread over the graph: a status read walks the unit's pending ancestry
  // (the waiting_on chain), which in this all-pending graph is most of it.
  const sample = dag.filter((_, i) => i % Math.ceil(dag.length / READ_SAMPLE) === 0);
  started = performance.now();
  await pool(
    concurrency,
    sample.map((unit) => () => agent.get(`/units/${encodeURIComponent(unit.name)}`)),
  );
  const readSeconds = (performance.now() - started) / 1000;
  return {
    idleRss: idleMemory.hwm,
    idleMemory,
    wantPerSecond: dag.length / wantSeconds,
    edgePerSecond: edges / wantSeconds,
    readPerSecond: sample.length / readSeconds,
    rssAfterWants: afterWants.hwm,
    afterWants,
  };
}

interface Release {
  completeMs: number;
  firstHeldMs: number;
  lastHeldMs: number;
  lastProcessMs: number | undefined;
}

async function releaseWaiters(
  agent: BenchAgent,
  bin: string,
  held: number,
  processes: number,
): Promise<Release> {
  const gate = "gate";
  // The gate's own script has started; its `complete` is what releases everyone.
  await agent.post("/start", { unit: gate, timeout_ms: 0 });
  const waits: HeldWait[] = await pool(
    50,
    Array.from({ length: held }, (_, i) => async () => {
      const wait = await holdWait(agent.socket, "/start", {
        unit: `wake.${i}`,
        depends_on: [gate],
        timeout_ms: 0,
      });
      await wait.waiting;
      return wait;
    }),
  );
  const procs: Bun.Subprocess<"ignore", "pipe", "ignore">[] = [];
  for (let i = 0; i < processes; i++) {
    await agent.post("/want", { unit: `proc.${i}`, depends_on: [gate] });
    procs.push(
      Bun.spawn([bin, "exp", "sync", "start", `proc.${i}`, "--socket-path", agent.socket], {
        env: benchEnv(),
        stdin: "ignore",
        stdout: "pipe",
        stderr: "ignore",
      }),
    );
  }
  // Every waiter is registered with the agent before the clock starts.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ping = (await agent.get("/ping")) as { waiters?: number };
    if ((ping.waiters ?? 0) >= held + processes) break;
    if (Date.now() > deadline)
      throw new Error(`only ${ping.waiters} of ${held + processes} waiters registered`);
    await Bun.sleep(50); // poll interval while the processes start; bounded by the deadline above
  }

  const t0 = performance.now();
  const complete = Bun.spawn([bin, "exp", "sync", "complete", gate, "--socket-path", agent.socket], {
    env: benchEnv(),
    stdout: "ignore",
  });
  const procExits = procs.map((proc) =>
    Promise.all([proc.exited, new Response(proc.stdout).text()]).then(([code]) => {
      if (code !== 0) throw new Error(`a waiting start process exited ${code}`);
      return performance.now() - t0;
    }),
  );
  const [completeMs, heldDone, procTimes] = await Promise.all([
    complete.exited.then(() => performance.now() - t0),
    Promise.all(waits.map((wait) => wait.done)),
    Promise.all(procExits),
  ]);
  for (const wait of waits) wait.close();
  const bad = heldDone.find((done) => done.type !== "started");
  if (bad) throw new Error(`a held wait ended with "${bad.type}"`);
  const times = heldDone.map((done) => done.at - t0);
  return {
    completeMs,
    firstHeldMs: Math.min(...times),
    lastHeldMs: Math.max(...times),
    lastProcessMs: procTimes.length > 0 ? Math.max(...procTimes) : undefined,
  };
}
