/**
 * Failure fan-out: how long from `fail` on the root of a chain until the last of N waiting `start`
 * clients has exited (with the "dependency failed" code, 4).
 *
 *   npm run build && bun run bench/fail-fanout.ts [--clients 50] [--rounds 5] [--bin dist/unitsync]
 *
 * Each trial declares `app -> migrate -> root` and N units that each depend on `app`, starts one
 * `exp sync start` process per unit, waits until the agent reports all N blocked (ping's `waiters`),
 * then fails `root` and times every client's exit. Each round runs two trials: one calls the
 * `exp sync fail` command (what a script pays, the fail call's own start-up included), one sends
 * the fail request straight to the socket (the agent's wake-up, delivery and the clients' exit).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    clients: { type: "string", default: "50" },
    rounds: { type: "string", default: "5" },
    bin: { type: "string", default: resolve(import.meta.dir, "../dist/unitsync") },
  },
});
const CLIENTS = Number(values.clients);
const ROUNDS = Number(values.rounds);
const BIN = resolve(values.bin as string);
/** How long a round may take to get every client blocked before it is called hung. */
const SETUP_DEADLINE_MS = 60_000;

const dir = mkdtempSync("/tmp/us-bench-");
const socket = join(dir, "agent.sock");
const env = benchEnv();
const agent = Bun.spawn([BIN, "agent", "--socket-path", socket], {
  env,
  stdin: "ignore",
  stdout: "ignore",
  stderr: "ignore",
});

try {
  await until("the agent to answer", async () => (await ping()) !== undefined);
  const viaCli: number[] = [];
  const viaHttp: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    viaCli.push(await fanout(`r${round}.cli`, "cli"));
    viaHttp.push(await fanout(`r${round}.http`, "http"));
    process.stderr.write(
      `round ${round + 1}/${ROUNDS}: last of ${CLIENTS} exited ${viaCli.at(-1)?.toFixed(1)} ms after \`fail\` was run, ${viaHttp.at(-1)?.toFixed(1)} ms after the fail request was sent\n`,
    );
  }
  console.log(`fail fan-out, ${CLIENTS} waiting start clients, ${ROUNDS} rounds (${BIN})`);
  console.log(`  \`exp sync fail\` run -> last client exited:  median ${summary(viaCli)}`);
  console.log(`  POST /v1/fail sent  -> last client exited:  median ${summary(viaHttp)}`);
} finally {
  agent.kill("SIGTERM");
  await agent.exited;
  rmSync(dir, { recursive: true, force: true });
}

// --- internal ---

/** One trial: N clients blocked behind `root`, then `root` fails; ms from the fail to the last exit. */
async function fanout(prefix: string, via: "cli" | "http"): Promise<number> {
  const [app, migrate, root] = [`${prefix}.app`, `${prefix}.migrate`, `${prefix}.root`];
  await post("/want", { unit: migrate, depends_on: [root] });
  await post("/want", { unit: app, depends_on: [migrate] });
  const clients = Array.from({ length: CLIENTS }, (_, i) => `${prefix}.client-${i}`);
  for (const unit of clients) await post("/want", { unit, depends_on: [app] });

  const exits = clients.map((unit) => {
    const proc = Bun.spawn([BIN, "exp", "sync", "start", unit, "--socket-path", socket], {
      env,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    return proc.exited.then((code) => ({ code, at: performance.now() }));
  });
  await until(`${CLIENTS} clients to be waiting`, async () => (await ping())?.waiters === CLIENTS);

  const t0 = performance.now();
  if (via === "http") await post("/fail", { unit: root, reason: "bench" });
  else {
    const fail = Bun.spawn([BIN, "exp", "sync", "fail", root, "--reason", "bench", "--socket-path", socket], {
      env,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    if ((await fail.exited) !== 0) throw new Error("`exp sync fail` did not succeed");
  }
  const ended = await Promise.all(exits);
  const wrong = ended.filter((exit) => exit.code !== 4);
  if (wrong.length > 0) throw new Error(`${wrong.length} clients exited with other codes than 4`);
  return Math.max(...ended.map((exit) => exit.at)) - t0;
}

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`http://agent/v1${path}`, {
    method: "POST",
    unix: socket,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
}

async function ping(): Promise<{ waiters: number } | undefined> {
  try {
    const res = await fetch("http://agent/v1/ping", { unix: socket });
    return (await res.json()) as { waiters: number };
  } catch {
    return undefined;
  }
}

async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + SETUP_DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return `${median.toFixed(1)} ms (min ${sorted[0]?.toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)})`;
}

/** The environment of every spawned process: no inherited socket path, no autostart, no colours. */
function benchEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(UNITSYNC_|CODER_AGENT_)|proxy$/i.test(key)) out[key] = value;
  }
  return { ...out, NO_COLOR: "1", UNITSYNC_AUTOSTART: "0" };
}
