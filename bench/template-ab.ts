/**
 * A/B of the script runner: the 200 ms template of bench/template.ts under GNU `make -j` and
 * `agent --scripts --exit-when-done` of several unitsync binaries, in interleaved rounds (each one
 * once per round, in a rotating order), so that drift in the machine's load hits them alike. For
 * comparing a change to the runner with the build before it; `npm run bench` holds the targets.
 *
 *   nice -n -19 npx bun bench/template-ab.ts [--rounds N] [--work-ms MS] [--runner R] [--limit BIN] NAME=BINARY...
 *
 * --runner picks how each binary runs the template: `scripts` (the default: `agent --scripts`),
 * `run` (30 `run` processes) or `script` (30 want/start/complete scripts); the client runners share
 * one agent, of the first binary. With --limit, the runner's limit runs too: bench/limit-runner.ts
 * compiled for `scripts`, bench/limit-client.ts for the others (bench/out/ after `npm run bench`).
 */
import { parseArgs } from "node:util";
import { startBenchAgent } from "./lib/agent.ts";
import { table } from "./lib/report.ts";
import { ms, summarize } from "./lib/stats.ts";
import { workProgram } from "./lib/work.ts";
import { type Runner, runTemplate, type Trial } from "./template.ts";
import { TEMPLATE_LEVELS } from "./template-dag.ts";

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rounds: { type: "string", default: "12" },
    "work-ms": { type: "string", default: "200" },
    limit: { type: "string" },
    runner: { type: "string", default: "scripts" },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const workMs = Number(values["work-ms"]);
const binaries = positionals.map((arg) => {
  const at = arg.indexOf("=");
  if (at <= 0) throw new Error(`expected NAME=BINARY, got ${JSON.stringify(arg)}`);
  return { name: arg.slice(0, at), bin: arg.slice(at + 1), kind: values.runner as Runner };
});
if (!["scripts", "run", "script"].includes(values.runner as string)) {
  console.error(`--runner: expected scripts, run or script, got ${JSON.stringify(values.runner)}`);
  process.exit(2);
}
if (binaries.length === 0 || !Number.isInteger(rounds) || rounds < 1) {
  console.error(
    "usage: bun bench/template-ab.ts [--rounds N] [--work-ms MS] [--runner R] [--limit BIN] NAME=BINARY...",
  );
  process.exit(2);
}

const work = workProgram();
const ideal = TEMPLATE_LEVELS * workMs;
const clients = values.runner !== "scripts";
const limitKind = (clients ? `limit-${values.runner}` : "limit") as Runner;
const runners = [
  { name: "make -j", bin: "", kind: "make" as Runner },
  ...(values.limit ? [{ name: "limit", bin: "", kind: limitKind }] : []),
  ...binaries,
];
const agent = clients ? await startBenchAgent((binaries[0] as { bin: string }).bin) : undefined;
const trials = new Map<string, Trial[]>(runners.map((runner) => [runner.name, []]));
for (let round = 0; round < rounds; round++) {
  const shift = round % runners.length;
  for (const runner of [...runners.slice(shift), ...runners.slice(0, shift)]) {
    const trial = await runTemplate(runner.kind, {
      bin: runner.bin,
      ...(agent && { agent }),
      ...(values.limit && (clients ? { limitClientBin: values.limit } : { limitBin: values.limit })),
      work,
      workMs,
      // Unique per trial: the client runners share one agent, where a completed unit would not wait.
      prefix: `ab${round}r${runners.indexOf(runner)}`,
    });
    trials.get(runner.name)?.push(trial);
  }
  console.error(`round ${round + 1} of ${rounds}`);
}

// As in bench/template.ts: a make trial that started a ready target a level late is counted apart.
const stalled = (trial: Trial) => trial.breakdown.steps.some((step) => step > workMs / 2);
const median = (list: readonly number[]) => summarize(list).median;
const rows = runners.map(({ name }) => {
  const all = trials.get(name) ?? [];
  const kept = all.filter((trial) => !stalled(trial));
  const over = (list: readonly Trial[]) => median(list.map((trial) => trial.wall - ideal));
  return [
    name,
    `${all.length} (${all.length - kept.length} stalled)`,
    `+${ms(over(all))}`,
    `+${ms(over(kept))}`,
    ms(median(kept.flatMap((trial) => trial.breakdown.steps))),
    ms(median(all.map((trial) => trial.breakdown.launch))),
    ms(median(all.map((trial) => trial.breakdown.handoffs))),
    ms(median(all.map((trial) => trial.breakdown.exit))),
  ];
});
console.log(
  table(
    [
      "runner",
      "trials",
      "over the ideal",
      "without stalls",
      "median hand-off",
      "launch",
      "hand-offs (sum)",
      "exit",
    ],
    rows,
  ),
);
await agent?.stop();
