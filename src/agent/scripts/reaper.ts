import { readdirSync, readFileSync } from "node:fs";

/** A running orphan reaper. */
export interface Reaper {
  /** How many orphaned processes it has reaped so far. */
  readonly reaped: number;
  stop(): void;
}

/** How often the reaper looks for zombies even without a SIGCHLD (a backstop for coalesced signals). */
export const REAP_INTERVAL_MS = 5000;

/**
 * Reaps orphaned processes, the job of PID 1: in a container whose entrypoint is the agent, a
 * daemon or a double-forked helper that a script leaves behind is re-parented to the agent, and
 * when it exits it stays a zombie unless the agent waits for it. Bun waits only for the children it
 * spawned itself, so this calls libc's waitpid through bun:ffi, for zombies that are children of
 * this process and not one of Bun's own (`isOwn`; those Bun reaps, and must, to report their exit
 * status). Zombies are found in /proc on every SIGCHLD, and every few seconds as a backstop.
 * Returns undefined (after saying why) when libc cannot be loaded: run the container with an init
 * (`docker run --init`, tini) then.
 */
export async function startOrphanReaper(
  isOwn: (pid: number) => boolean,
  warn: (message: string) => void,
): Promise<Reaper | undefined> {
  const waitpid = await loadWaitpid(warn);
  if (!waitpid) return undefined;
  let reaped = 0;
  let scheduled = false;
  const scan = () => {
    scheduled = false;
    for (const pid of zombieChildren(process.pid)) {
      if (isOwn(pid)) continue;
      if (waitpid(pid, null, WNOHANG) === pid) reaped++;
    }
  };
  const onChild = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(scan);
  };
  process.on("SIGCHLD", onChild);
  const interval = setInterval(scan, REAP_INTERVAL_MS);
  interval.unref();
  scan();
  return {
    get reaped() {
      return reaped;
    },
    stop() {
      process.off("SIGCHLD", onChild);
      clearInterval(interval);
    },
  };
}

/** The pids of the zombie processes whose parent is `parent`, read from /proc. */
export function zombieChildren(parent: number): number[] {
  const zombies: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return zombies;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // it went away meanwhile
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" && Number(fields[1]) === parent) zombies.push(Number(entry));
  }
  return zombies;
}

// --- internal ---

const WNOHANG = 1;

type Waitpid = (pid: number, status: null, options: number) => number;

/** libc's waitpid, or undefined when no libc can be opened (not Linux, or an unknown libc). */
async function loadWaitpid(warn: (message: string) => void): Promise<Waitpid | undefined> {
  if (process.platform !== "linux") return undefined;
  const { dlopen, FFIType } = await import("bun:ffi");
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  const problems: string[] = [];
  for (const name of ["libc.so.6", `libc.musl-${arch}.so.1`, "libc.so"]) {
    try {
      const lib = dlopen(name, {
        waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
      });
      return lib.symbols.waitpid as unknown as Waitpid;
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  warn(
    `running as PID 1 but cannot load libc to reap orphaned processes (${problems.join("; ")}); ` +
      "run the container with an init (docker run --init, or tini) to avoid zombies",
  );
  return undefined;
}
