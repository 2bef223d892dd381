/**
 * Shared helpers for the end-to-end suites: they spawn the compiled binary (dist/unitsync, rebuilt
 * here when it is older than the sources, see test/_binary.ts), give every test its own short temp
 * dir and socket path, and wait for conditions with deadlines instead of sleeping.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BIN, ensureFreshBinary } from "./_binary.ts";

export { BIN };

ensureFreshBinary();

/** Environment for spawned processes: no inherited socket path, no colours, no proxies. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(UNITSYNC_|CODER_AGENT_)|proxy$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", UNITSYNC_AUTOSTART: "0", ...extra };
}

/** A private temp dir (short path: unix socket paths are limited to ~104 bytes), removed on dispose. */
export function tempDir(): { path: string; socket: string; [Symbol.dispose](): void } {
  const path = mkdtempSync("/tmp/us-");
  return {
    path,
    socket: join(path, "agent.sock"),
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs the binary to completion and returns its output and exit code (read concurrently). */
export async function run(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([BIN, ...args], {
    env: cleanEnv(options.env),
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

/** `unitsync exp sync <args> --socket-path <socket>`. */
export function sync(socket: string, ...args: string[]): Promise<RunResult> {
  return run(["exp", "sync", ...args, "--socket-path", socket]);
}

/** Polls `condition` until it is truthy, failing loudly at the deadline. */
export async function waitFor<T>(
  what: string,
  condition: () => T | Promise<T>,
  deadlineMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await Bun.sleep(10); // poll interval; the deadline above bounds the wait
  }
}

/** A running agent process on its own socket; stopped (SIGTERM, then SIGKILL) on dispose. */
export interface AgentProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  socket: string;
  /** Everything the agent has written to stderr so far. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts `unitsync agent` on `socket` and waits until it answers a ping. */
export async function startAgent(socket: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
  const proc = Bun.spawn([BIN, "agent", "--socket-path", socket, ...extraArgs], {
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let log = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) log += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);
  await waitFor(`agent on ${socket} to answer`, async () => {
    if (proc.exitCode !== null) throw new Error(`agent exited early (${proc.exitCode}):\n${log}`);
    return (await sync(socket, "ping")).exitCode === 0;
  });
  const agent: AgentProcess = {
    proc,
    socket,
    log: () => log,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5000); // deadline for a graceful stop
        await proc.exited;
        clearTimeout(timer);
      }
      await drained;
    },
  };
  return agent;
}

/**
 * The processes whose environment holds `entry` (`NAME=value`, a mark a test gave what it started),
 * with their command lines: what a test left running.
 */
export function processesWith(entry: string): { pid: string; cmdline: string }[] {
  const found: { pid: string; cmdline: string }[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry)) continue;
      found.push({ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
