/**
 * A/B of the agent's memory and answer costs at scale: the one-client part of bench/scale.ts (10,000
 * wants over one client, 500 status reads, then `list`, `graph -o json` and `timeline`) for several
 * unitsync binaries, each on a fresh agent, in interleaved rounds (each one once per round, in a
 * rotating order), so that drift in the machine's load hits them alike. Reports medians. For
 * comparing a change with the build before it; `npm run bench` holds the target.
 *
 *   nice -n -19 npx bun bench/scale-ab.ts [--rounds N] NAME=BINARY...
 */
import { parseArgs } from "node:util";
import { startBenchAgent } from "./lib/agent.ts";
import { mustRun, pool } from "./lib/proc.ts";
import { table } from "./lib/report.ts";
import { mib, ms, rate, summarize } from "./lib/stats.ts";
import { cpuMsOf, memoryOf, READ_SAMPLE, randomDag, VIEWS } from "./scale.ts";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: { rounds: { type: "string", default: "10" } },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const binaries = positionals.map((arg) => {
  const at = arg.indexOf("=");
  if (at <= 0) throw new Error(`expected NAME=BINARY, got ${JSON.stringify(arg)}`);
  return { name: arg.slice(0, at), bin: arg.slice(at + 1) };
});
if (binaries.length === 0 || !Number.isInteger(rounds) || rounds < 1) {
  console.error("usage: bun bench/scale-ab.ts [--rounds N] NAME=BINARY...");
  process.exit(2);
}

/** One agent's run: memory in KiB, rates per second, CPU in ms of the agent's own time. */
type Run = Record<string, number>;

const dag = randomDag(10_000, 5);
const sample = dag.filter((_, i) => i % Math.ceil(dag.length / READ_SAMPLE) === 0);
const runs = new Map<string, Run[]>(binaries.map(({ name }) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const shift = round % binaries.length;
  for (const { name, bin } of [...binaries.slice(shift), ...binaries.slice(0, shift)]) {
    runs.get(name)?.push(await runOne(bin));
  }
  console.error(`round ${round + 1} of ${rounds}`);
}

const median = (name: string, key: string) =>
  summarize((runs.get(name) ?? []).map((run) => run[key] ?? 0)).median;
const column = (format: (value: number) => string, key: string) =>
  binaries.map(({ name }) => format(median(name, key)));
console.log(
  table(
    ["median", ...binaries.map(({ name }) => name)],
    [
      ["idle agent, VmHWM", ...column(mib, "idle")],
      ["after 10,000 wants, VmHWM", ...column(mib, "wants")],
      [`after ${READ_SAMPLE} status reads, VmHWM`, ...column(mib, "reads")],
      ...VIEWS.map((view) => [`after \`${view.join(" ")}\`, VmHWM`, ...column(mib, `hwm ${view[0]}`)]),
      ["at the end: RssAnon", ...column(mib, "anon")],
      ["at the end: RssFile", ...column(mib, "file")],
      ["wants/s", ...column(rate, "wantRate")],
      ["agent CPU per want", ...column(ms, "wantCpu")],
      ["status reads/s", ...column(rate, "readRate")],
      ["agent CPU per status read", ...column(ms, "readCpu")],
      ...VIEWS.map((view) => [`agent CPU for \`${view.join(" ")}\``, ...column(ms, `cpu ${view[0]}`)]),
      ...VIEWS.map((view) => [`\`${view.join(" ")}\` (spawn to exit)`, ...column(ms, `time ${view[0]}`)]),
    ],
  ),
);

// --- internal ---

async function runOne(bin: string): Promise<Run> {
  const agent = await startBenchAgent(bin);
  try {
    const run: Run = { idle: memoryOf(agent.pid).hwm };
    let cpu = cpuMsOf(agent.pid);
    let started = performance.now();
    for (const unit of dag) await agent.post("/want", { unit: unit.name, depends_on: unit.deps });
    run.wantRate = dag.length / ((performance.now() - started) / 1000);
    run.wantCpu = (cpuMsOf(agent.pid) - cpu) / dag.length;
    run.wants = memoryOf(agent.pid).hwm;
    cpu = cpuMsOf(agent.pid);
    started = performance.now();
    await pool(
      1,
      sample.map((unit) => () => agent.get(`/units/${encodeURIComponent(unit.name)}`)),
    );
    run.readRate = sample.length / ((performance.now() - started) / 1000);
    run.readCpu = (cpuMsOf(agent.pid) - cpu) / sample.length;
    run.reads = memoryOf(agent.pid).hwm;
    for (const view of VIEWS) {
      cpu = cpuMsOf(agent.pid);
      started = performance.now();
      await mustRun([bin, "exp", "sync", ...view, "--socket-path", agent.socket]);
      run[`time ${view[0]}`] = performance.now() - started;
      run[`cpu ${view[0]}`] = cpuMsOf(agent.pid) - cpu;
      run[`hwm ${view[0]}`] = memoryOf(agent.pid).hwm;
    }
    const end = memoryOf(agent.pid);
    run.anon = end.anon;
    run.file = end.file;
    return run;
  } finally {
    await agent.stop();
  }
}
