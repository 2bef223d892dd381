/**
 * Running whole processes for the benchmarks: wall time as the bench process sees it (spawn to
 * exit), and peak RSS as /usr/bin/time reports it, or Bun's resourceUsage() where GNU time is absent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** The environment every benchmarked process gets: no inherited socket path, colours or proxies. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(UNITSYNC_|CODER_AGENT_)|proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", UNITSYNC_AUTOSTART: "0", ...extra };
}

/** One finished process. */
export interface Timed {
  wallMs: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` to completion; wall time is measured from just before the spawn to the exit. */
export async function timed(cmd: string[], env = benchEnv()): Promise<Timed> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { wallMs: performance.now() - started, exitCode, stdout, stderr };
}

/** Runs `cmd` and fails loudly unless it exits 0. */
export async function mustRun(cmd: string[], env = benchEnv()): Promise<Timed> {
  const result = await timed(cmd, env);
  if (result.exitCode !== 0) {
    throw new Error(`${cmd.join(" ")} exited ${result.exitCode}:\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/** How peak RSS is measured on this machine. */
export function rssMethod(): string {
  return hasGnuTime()
    ? "/usr/bin/time -f %M (GNU time, ru_maxrss of the child)"
    : "Bun.spawn resourceUsage().maxRSS in a helper process (bench/lib/rss-probe.ts), ru_maxrss of its one child";
}

/** Peak resident set size of one run of `cmd`, in KiB. */
export async function peakRssKiB(cmd: string[], env = benchEnv()): Promise<number> {
  if (hasGnuTime()) {
    const dir = mkdtempSync("/tmp/us-rss-");
    try {
      const out = join(dir, "rss");
      const proc = Bun.spawn(["/usr/bin/time", "-f", "%M", "-o", out, ...cmd], {
        env,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      });
      await proc.exited;
      return Number(readFileSync(out, "utf8").trim().split("\n").pop());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const probe = Bun.spawn([process.execPath, resolve(import.meta.dir, "rss-probe.ts"), ...cmd], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
  });
  const [out] = await Promise.all([new Response(probe.stdout).text(), probe.exited]);
  return Number(out.trim());
}

/** Peak RSS of a live process from /proc/<pid>/status (VmHWM), in KiB. */
export function vmHwmKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** Runs `tasks` with at most `limit` of them in flight at once; resolves with their results in order. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

// --- internal ---

let gnuTime: boolean | undefined;

function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    // BENCH_RSS=rusage forces the fallback, to check it on a machine that has GNU time.
    gnuTime =
      process.env.BENCH_RSS !== "rusage" &&
      existsSync("/usr/bin/time") &&
      Bun.spawnSync(["/usr/bin/time", "-f", "%M", "true"], { stdout: "ignore", stderr: "pipe" }).exitCode ===
        0;
  }
  return gnuTime;
}
