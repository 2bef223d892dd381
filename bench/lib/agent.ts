/**
 * An agent process for a benchmark, on its own socket, and plain HTTP requests to it from the bench
 * process (fetch over the unix socket) for the set-up work that is not being measured.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { benchEnv, vmHwmKiB } from "./proc.ts";

/** A running agent; `stop()` sends SIGTERM and removes its directory. */
export interface BenchAgent {
  readonly pid: number;
  readonly socket: string;
  readonly dir: string;
  /** The agent's peak RSS so far (VmHWM), in KiB. */
  peakRssKiB(): number;
  /** Sends `body` as JSON to `path` and returns the parsed answer; throws unless 2xx. */
  post(path: string, body: unknown): Promise<unknown>;
  /** GETs `path` and returns the parsed answer; throws unless 2xx. */
  get(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts `bin agent` (with `args`) on a fresh socket and waits until it answers a ping. */
export async function startBenchAgent(bin: string, args: string[] = []): Promise<BenchAgent> {
  const dir = mkdtempSync("/tmp/us-bench-");
  const socket = join(dir, "agent.sock");
  // The agent logs one line per state change; /dev/null keeps the formatting cost but not a pipe to drain.
  const proc = Bun.spawn([bin, "agent", "--socket-path", socket, ...args], {
    env: benchEnv(),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://unitsync/v1${path}`, {
      method,
      unix: socket,
      proxy: false as unknown as string,
      timeout: false,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    } as RequestInit);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`agent ${bin} exited early with ${proc.exitCode}`);
    try {
      await request("GET", "/ping");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`agent at ${socket} did not answer within 15 s`);
      await Bun.sleep(10); // poll interval while the agent binds; bounded by the deadline above
    }
  }
  return {
    pid: proc.pid,
    socket,
    dir,
    peakRssKiB: () => vmHwmKiB(proc.pid),
    post: (path, body) => request("POST", path, body),
    get: (path) => request("GET", path),
    stop: async () => {
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 5000); // deadline for a graceful stop
      await proc.exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
