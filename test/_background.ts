/**
 * Helpers for the failure, run and wait suites: a client left running in the background whose
 * output is read as it arrives (so a test can wait for a line, then act), and the agent's count of
 * blocked clients (so a test acts only once every client is really waiting).
 */
import { BIN, cleanEnv, waitFor } from "./_helpers.ts";

/** A binary running in the background; its output so far, and the moment it exited. */
export interface Background {
  proc: Bun.Subprocess<"ignore" | "pipe", "pipe", "pipe">;
  stdout(): string;
  stderr(): string;
  /** performance.now() when its exit was seen, once it has exited. */
  exitedAt(): number | undefined;
  /** Resolves when it has exited and both streams are read to the end. */
  done: Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** Waits (with a deadline) until stdout or stderr contains `text`. */
  saw(text: string, deadlineMs?: number): Promise<void>;
}

/** Spawns `unitsync <args>` and reads its stdout and stderr concurrently as they arrive. */
export function background(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const proc = Bun.spawn([BIN, ...args], {
    env: cleanEnv(options.env),
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let err = "";
  let exitedAt: number | undefined;
  const drain = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
  };
  const exited = proc.exited.then((code) => {
    exitedAt = performance.now();
    return code;
  });
  const done = Promise.all([
    drain(proc.stdout, (text) => {
      out += text;
    }),
    drain(proc.stderr, (text) => {
      err += text;
    }),
    exited,
  ]).then(([, , exitCode]) => ({ stdout: out, stderr: err, exitCode }));
  const client: Background = {
    proc,
    stdout: () => out,
    stderr: () => err,
    exitedAt: () => exitedAt,
    done,
    saw: async (text, deadlineMs) => {
      await waitFor(
        `"${text}" from ${args.join(" ")} (stdout so far: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)})`,
        () => out.includes(text) || err.includes(text),
        deadlineMs,
      );
    },
  };
  return client;
}

/** `unitsync exp sync <args> --socket-path <socket>`, left running in the background. */
export function syncInBackground(socket: string, ...args: string[]): Background {
  const dashes = args.indexOf("--");
  // Keep the socket flag before `--`: what follows belongs to `run`'s command.
  const withSocket =
    dashes === -1
      ? [...args, "--socket-path", socket]
      : [...args.slice(0, dashes), "--socket-path", socket, ...args.slice(dashes)];
  return background(["exp", "sync", ...withSocket]);
}

/** How many clients the agent has blocked in `start`/`wait` right now. */
export async function waiters(socket: string): Promise<number> {
  const res = await fetch("http://agent/v1/ping", { unix: socket });
  return ((await res.json()) as { waiters: number }).waiters;
}

/** Waits until exactly `count` clients are blocked in the agent. */
export async function untilWaiting(socket: string, count: number): Promise<void> {
  await waitFor(`${count} clients to be waiting`, async () => (await waiters(socket)) === count, 20_000);
}
