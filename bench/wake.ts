/**
 * Benchmark 2, wake latency: from the moment `complete` of the last dependency is called to the
 * moment the waiting `start` process has exited. Beside it, in the same run: a client that polls
 * readiness every second (Coder's `exp sync start` behaviour, modelled as a shell loop over
 * `status -o json` followed by `start`), and the marker-file loop it replaces
 * (`while [ ! -f marker ]; do sleep 1; done`, released by `touch marker`). Where s6 is installed,
 * the event-driven wait of a supervision suite written in C: `s6-svwait -u` released by `s6-svc -u`.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../test/_random.ts";
import type { BenchAgent } from "./lib/agent.ts";
import { benchEnv, pool } from "./lib/proc.ts";
import { type Headline, progress, type SectionResult, table, verdict } from "./lib/report.ts";
import { ms, ratio, summarize } from "./lib/stats.ts";

/** Target: the median wake latency is at most this much above the `complete` process's own cost. */
export const WAKE_TARGET_MS = 5;

interface Options {
  agent: BenchAgent;
  bin: string;
  trials: number;
  /** Baseline trials running at once (each waits about a second; they are bound by sleep, not CPU). */
  baselineConcurrency: number;
}

/** Runs the wake-latency benchmark. */
export async function wakeLatency({
  agent,
  bin,
  trials,
  baselineConcurrency,
}: Options): Promise<SectionResult> {
  progress(`wake latency: ${trials} unitsync trials, one at a time`);
  const latency: number[] = [];
  const completeCost: number[] = [];
  const aboveComplete: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const unit = `wake.${trial}`;
    const dep = `${unit}.dep`;
    await prepare(agent, unit, dep);
    const waiter = spawnWaiter([bin, "exp", "sync", "start", unit, "--socket-path", agent.socket]);
    await waiter.sawLine("is waiting for dependencies");
    const t0 = performance.now();
    const complete = Bun.spawn([bin, "exp", "sync", "complete", dep, "--socket-path", agent.socket], {
      env: benchEnv(),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    const [completeExit, waiterExit] = await Promise.all([
      complete.exited.then((code) => {
        if (code !== 0) throw new Error(`wake trial ${trial}: complete exited ${code}`);
        return { at: performance.now() };
      }),
      waiter.exited,
    ]);

    latency.push(waiterExit.at - t0);
    completeCost.push(completeExit.at - t0);
    aboveComplete.push(waiterExit.at - completeExit.at);
  }

  progress(
    `wake latency: ${trials} polling-client trials and ${trials} marker-file trials, ${baselineConcurrency} at a time`,
  );
  const random = seededRandom(2);
  const dir = agent.dir;
  const polling = await pool(
    baselineConcurrency,
    Array.from({ length: trials }, (_, trial) => async () => {
      const unit = `poll.${trial}`;
      const dep = `${unit}.dep`;
      await prepare(agent, unit, dep);
      const script = [
        `until "$BIN" exp sync status "$UNIT" -o json --socket-path "$SOCK" | grep -q '"is_ready": true'; do sleep 1; done`,
        `exec "$BIN" exp sync start "$UNIT" --socket-path "$SOCK" >/dev/null`,
      ].join("\n");
      const waiter = spawnWaiter(["sh", "-c", script], { BIN: bin, UNIT: unit, SOCK: agent.socket });
      // A random phase against the client's one-second poll, as a real dependency would have.
      await Bun.sleep(1000 + random() * 1000); // phase of the trial, not a synchronisation
      const t0 = performance.now();
      await Bun.spawn([bin, "exp", "sync", "complete", dep, "--socket-path", agent.socket], {
        env: benchEnv(),
        stdout: "ignore",
      }).exited;
      const exit = await waiter.exited;
      if (exit.code !== 0) throw new Error(`polling trial ${trial} exited ${exit.code}`);
      return exit.at - t0;
    }),
  );
  const marker = await pool(
    baselineConcurrency,
    Array.from({ length: trials }, (_, trial) => async () => {
      const file = join(dir, `marker.${trial}`);
      const waiter = spawnWaiter(["sh", "-c", 'while [ ! -f "$MARKER" ]; do sleep 1; done'], {
        MARKER: file,
      });
      await Bun.sleep(1000 + random() * 1000); // phase of the trial, not a synchronisation
      const t0 = performance.now();
      await Bun.spawn(["touch", file], { stdout: "ignore" }).exited;
      const exit = await waiter.exited;
      if (exit.code !== 0) throw new Error(`marker trial ${trial} exited ${exit.code}`);
      return exit.at - t0;
    }),
  );

  const s6 = await s6Trials(dir, trials);

  const ours = summarize(latency);
  const cost = summarize(completeCost);
  const above = summarize(aboveComplete);
  const poll = summarize(polling);
  const mark = summarize(marker);
  const excess = ours.median - cost.median;
  const headlines: Headline[] = [
    {
      figure: "wake latency: `complete` called -> waiting `start` exited",
      value: `median ${ms(ours.median)}, p99 ${ms(ours.p99)}`,
      target: `median <= \`complete\`'s own cost + ${WAKE_TARGET_MS} ms`,
      baseline: `polling client ${ms(poll.median)} (${ratio(poll.median / ours.median)}); marker file ${ms(mark.median)} (${ratio(mark.median / ours.median)})${s6.skipped ? "" : `; s6-svwait ${ms(summarize(s6.latency).median)}`}`,
      met: excess <= WAKE_TARGET_MS,
    },
    {
      figure: "wake latency minus the `complete` process's own cost",
      value: `${ms(excess)} (median latency - median \`complete\` cost ${ms(cost.median)})`,
      target: `< ${WAKE_TARGET_MS} ms`,
      baseline: s6.skipped
        ? `polling client ${ms(poll.median - cost.median)}; s6: ${s6.skipped}`
        : `s6-svwait minus s6-svc's own cost: ${ms(summarize(s6.latency).median - summarize(s6.release).median)}; polling client ${ms(poll.median - cost.median)}`,
      met: excess <= WAKE_TARGET_MS,
    },
  ];
  const markdown = [
    "## 2. Wake latency",
    "",
    `${trials} trials each. A unitsync trial declares \`wake.N\` -> \`wake.N.dep\`, starts \`start wake.N\` and waits`,
    'for its "is waiting" line, then spawns `complete wake.N.dep` and times until the `start` process exits.',
    "The unitsync trials run one at a time. The baselines run in the same process right after, " +
      `${baselineConcurrency} trials at a time (they sleep, so they hardly compete for CPU), each released after a`,
    "random 1-2 s so that the release falls at a random phase of the one-second loop:",
    "",
    "- polling client (Coder's behaviour): `until unitsync exp sync status U -o json | grep -q '\"is_ready\": true'; do sleep 1; done; exec unitsync exp sync start U`, released by `complete` of the dependency;",
    "- marker file: `while [ ! -f marker ]; do sleep 1; done`, released by `touch marker`;",
    s6.skipped
      ? `- s6-svwait: skipped, ${s6.skipped}.`
      : `- s6 (event-driven, in C): \`s6-svwait -u svc\` on a service supervised by \`s6-supervise\` that starts down, released by \`s6-svc -u svc\`; ${trials} trials one at a time, each begun once s6-svwait has subscribed (its fifo is in svc/event/), the service taken down again between trials.`,
    "",
    "Latency is measured from the spawn of the releasing process to the exit of the waiting one.",
    "",
    table(
      ["client", "median", "p99", "min", "max", "median vs unitsync"],
      [
        [
          "unitsync `start` (event-driven)",
          ms(ours.median),
          ms(ours.p99),
          ms(ours.min),
          ms(ours.max),
          "1.00x",
        ],
        ["the `complete` process itself", ms(cost.median), ms(cost.p99), ms(cost.min), ms(cost.max), "-"],
        [
          "`start` exit after `complete` exit (per trial)",
          ms(above.median),
          ms(above.p99),
          ms(above.min),
          ms(above.max),
          "-",
        ],
        [
          "polling client, 1 s",
          ms(poll.median),
          ms(poll.p99),
          ms(poll.min),
          ms(poll.max),
          ratio(poll.median / ours.median),
        ],
        [
          "marker-file loop, 1 s",
          ms(mark.median),
          ms(mark.p99),
          ms(mark.min),
          ms(mark.max),
          ratio(mark.median / ours.median),
        ],
        ...s6Rows(s6, ours.median),
      ],
    ),
    "",
    `Median latency minus the median cost of the \`complete\` process: ${ms(excess)} (target < ${WAKE_TARGET_MS} ms: ${verdict(excess <= WAKE_TARGET_MS)}).`,
  ].join("\n");
  return { headlines, markdown };
}

// --- internal ---

interface S6Result {
  latency: number[];
  release: number[];
  /** Why the s6 baseline did not run, if it did not. */
  skipped?: string;
}

function s6Rows(s6: S6Result, ours: number): string[][] {
  if (s6.skipped) return [];
  const wait = summarize(s6.latency);
  const release = summarize(s6.release);
  return [
    [
      "`s6-svwait -u` (s6, event-driven)",
      ms(wait.median),
      ms(wait.p99),
      ms(wait.min),
      ms(wait.max),
      ratio(wait.median / ours),
    ],
    [
      "the `s6-svc -u` process itself",
      ms(release.median),
      ms(release.p99),
      ms(release.min),
      ms(release.max),
      "-",
    ],
  ];
}

/** `s6-svwait -u` released by `s6-svc -u`, one trial at a time, on a supervised service that starts down. */
async function s6Trials(dir: string, trials: number): Promise<S6Result> {
  const tools = ["s6-supervise", "s6-svc", "s6-svwait"];
  const missing = tools.filter((tool) => Bun.which(tool) === null);
  if (missing.length > 0) {
    return {
      latency: [],
      release: [],
      skipped: `s6 is not installed (${missing.join(", ")} not found; \`apt-get install s6\`)`,
    };
  }
  progress(`wake latency: ${trials} s6-svwait trials, one at a time`);
  const svc = join(dir, "s6-svc");
  mkdirSync(svc, { recursive: true });
  writeFileSync(join(svc, "run"), "#!/bin/sh\nexec sleep 3600\n");
  chmodSync(join(svc, "run"), 0o755);
  writeFileSync(join(svc, "down"), "");
  const supervise = Bun.spawn(["s6-supervise", svc], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const run = async (cmd: string[]) => {
    const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${stderr}`);
    return performance.now();
  };
  const subscribers = () => (existsSync(join(svc, "event")) ? readdirSync(join(svc, "event")).length : 0);
  const until = async (what: string, ready: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`s6 baseline: ${what} within 10 s`);
      await Bun.sleep(1); // poll interval while s6 sets up; bounded by the deadline above
    }
  };
  const latency: number[] = [];
  const release: number[] = [];
  try {
    await until("s6-supervise did not start", () => existsSync(join(svc, "supervise", "status")));
    for (let trial = 0; trial < trials; trial++) {
      const before = subscribers();
      const waiter = Bun.spawn(["s6-svwait", "-u", svc], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      });
      const exited = waiter.exited.then((code) => {
        if (code !== 0) throw new Error(`s6-svwait -u exited ${code}`);
        return performance.now();
      });
      await until("s6-svwait did not subscribe", () => subscribers() > before);
      const t0 = performance.now();
      const [released, woke] = await Promise.all([run(["s6-svc", "-u", svc]), exited]);
      latency.push(woke - t0);
      release.push(released - t0);
      await run(["s6-svc", "-d", svc]);
      await run(["s6-svwait", "-d", svc]);
      await until("the last waiter's fifo was not removed", () => subscribers() === 0);
    }
  } finally {
    supervise.kill("SIGTERM");
    await supervise.exited;
  }
  return { latency, release };
}

/** Declares `unit` -> `dep` and starts `dep`, as the dependency's own script would have. */
async function prepare(agent: BenchAgent, unit: string, dep: string): Promise<void> {
  await agent.post("/want", { unit, depends_on: [dep] });
  await agent.post("/start", { unit: dep, timeout_ms: 0 });
}

interface Waiter {
  /** Resolves when a stdout line containing `text` has been printed. */
  sawLine(text: string): Promise<void>;
  exited: Promise<{ code: number; at: number }>;
}

function spawnWaiter(cmd: string[], extraEnv: Record<string, string> = {}): Waiter {
  const proc = Bun.spawn(cmd, { env: benchEnv(extraEnv), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let out = "";
  const watchers: { text: string; resolve: () => void }[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk, { stream: true });
      for (const watcher of watchers) if (out.includes(watcher.text)) watcher.resolve();
    }
  })();
  const stderr = new Response(proc.stderr).text();
  const exited = proc.exited.then(async (code) => {
    const at = performance.now();
    await reading;
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${out}${await stderr}`);
    return { code, at };
  });
  return {
    sawLine: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        watchers.push({ text, resolve });
        exited.then(() => reject(new Error(`exited before printing "${text}": ${out}`)), reject);
      }),
    exited,
  };
}
