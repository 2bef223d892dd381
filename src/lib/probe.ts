/**
 * Readiness probes: one check of a condition (a TCP port accepts, an HTTP URL answers 2xx/3xx, a
 * file exists, a command exits 0), and a loop that repeats it until it holds or time runs out.
 * Shared by the `probe` verb and the agent's services (`# unitsync: ready=...`), so it sits below
 * both and knows nothing of units or the socket.
 */
import { formatDuration } from "./duration.ts";
import { usageError } from "./errors.ts";

/** A condition to check, as parsed from `tcp:HOST:PORT`, `http(s)://URL`, `file:PATH` or `exec:COMMAND`. */
export type ProbeSpec =
  | { kind: "tcp"; host: string; port: number }
  | { kind: "http"; url: string }
  | { kind: "file"; path: string }
  | { kind: "exec"; command: string };

/** How often and how long to check. */
export interface ProbeTiming {
  /** The longest pause between two checks; the first pauses are shorter (backoff from 50 ms up). */
  intervalMs: number;
  /** Give up after this long; 0 checks forever. */
  timeoutMs: number;
  /** Each check's own deadline, so one black-holed connect cannot eat the whole timeout. */
  checkTimeoutMs: number;
}

/** Defaults shared by the verb and the script headers. */
export const PROBE_DEFAULTS = {
  interval: "1s",
  timeout: "5m",
  // Kubernetes' probes default to 1 s; 2 s leaves room for an exec check on a loaded machine.
  checkTimeout: "2s",
} as const;

/** Where an exec check runs. */
export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** The outcome of one check: it held, or why not. */
export type CheckResult = { ok: true } | { ok: false; error: string; overran?: true };

/** The outcome of a probe loop. */
export type ProbeOutcome =
  | { ok: true; checks: number; elapsedMs: number }
  | { ok: false; checks: number; elapsedMs: number; error: string; aborted: boolean };

/** The forms a probe takes, for error hints and help texts. */
export const PROBE_FORMS = "tcp:HOST:PORT, http://URL, https://URL, file:PATH or exec:COMMAND";

/** Parses `tcp:HOST:PORT`, `http(s)://URL`, `file:PATH` or `exec:COMMAND`; a usage error otherwise. */
export function parseProbe(text: string): ProbeSpec {
  const colon = text.indexOf(":");
  const scheme = colon === -1 ? "" : text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (scheme === "tcp") return { kind: "tcp", ...parseHostPort(rest, text) };
  if (scheme === "http" || scheme === "https") return { kind: "http", url: parseHttpUrl(text) };
  if (scheme === "file") {
    if (rest.length === 0) throw usageError(`invalid probe "${text}": missing path after file:`);
    return { kind: "file", path: rest };
  }
  if (scheme === "exec") {
    if (rest.trim().length === 0) throw usageError(`invalid probe "${text}": missing command after exec:`);
    return { kind: "exec", command: rest };
  }
  throw usageError(`invalid probe "${text}"`, `write it as ${PROBE_FORMS}`);
}

/** The probe written back in the form `parseProbe` reads. */
export function describeProbe(spec: ProbeSpec): string {
  switch (spec.kind) {
    case "tcp":
      return `tcp:${spec.host.includes(":") ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case "http":
      return spec.url;
    case "file":
      return `file:${spec.path}`;
    case "exec":
      return `exec:${spec.command}`;
  }
}

/** Checks the condition once, giving up after `deadlineMs` (or when `signal` aborts). */
export async function checkOnce(
  spec: ProbeSpec,
  deadlineMs: number,
  options: ExecOptions & { signal?: AbortSignal } = {},
): Promise<CheckResult> {
  if (options.signal?.aborted) return { ok: false, error: "stopped" };
  switch (spec.kind) {
    case "tcp":
      return checkTcp(spec.host, spec.port, deadlineMs, options.signal);
    case "http":
      return checkHttp(spec.url, deadlineMs, options.signal);
    case "file":
      return checkFile(spec.path);
    case "exec":
      return checkExec(spec.command, deadlineMs, options);
  }
}

/**
 * Checks until the condition holds, the overall timeout passes or `signal` aborts; keeps the last
 * check's error as the reason. The pause between checks starts at 50 ms and doubles up to the
 * interval, so a service that comes up quickly is seen quickly and a slow one is not hammered.
 */
export async function waitUntilReady(
  spec: ProbeSpec,
  timing: ProbeTiming,
  options: ExecOptions & {
    signal?: AbortSignal;
    onCheck?: (result: CheckResult, checks: number) => void;
  } = {},
): Promise<ProbeOutcome> {
  const started = performance.now();
  const deadline = timing.timeoutMs > 0 ? started + timing.timeoutMs : Number.POSITIVE_INFINITY;
  const elapsed = () => Math.round(performance.now() - started);
  let pause = Math.min(FIRST_PAUSE_MS, timing.intervalMs);
  let checks = 0;
  let lastError = "no check ran";
  for (;;) {
    if (options.signal?.aborted) {
      return { ok: false, checks, elapsedMs: elapsed(), error: lastError, aborted: true };
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0 && checks > 0) {
      return { ok: false, checks, elapsedMs: elapsed(), error: lastError, aborted: false };
    }
    const cut = remaining < timing.checkTimeoutMs;
    const result = await checkOnce(spec, Math.max(1, Math.min(timing.checkTimeoutMs, remaining)), options);
    checks++;
    options.onCheck?.(result, checks);
    if (result.ok) return { ok: true, checks, elapsedMs: elapsed() };
    // A last check cut short by the timeout says only that time ran out: the error before it
    // (connection refused, HTTP 503) is the better reason.
    if (!(cut && result.overran && checks > 1)) lastError = result.error;
    const left = deadline - performance.now();
    if (left <= 0) return { ok: false, checks, elapsedMs: elapsed(), error: lastError, aborted: false };
    await sleep(Math.min(pause, left), options.signal);
    pause = Math.min(pause * 2, timing.intervalMs);
  }
}

/**
 * Whether `pid` is an exec check still running. An agent that reaps orphans as PID 1 must leave
 * these to Bun, which waits for them to learn their exit status.
 */
export function isCheckProcess(pid: number): boolean {
  return checkPids.has(pid);
}

/** The one-line reason a probe that gave up leaves behind, e.g. for `fail --reason`. */
export function failureReason(spec: ProbeSpec, outcome: ProbeOutcome & { ok: false }): string {
  const checks = `${outcome.checks} ${outcome.checks === 1 ? "check" : "checks"}`;
  return `not ready after ${formatDuration(outcome.elapsedMs)} (${checks}): ${describeProbe(spec)}: ${outcome.error}`;
}

// --- internal ---

const FIRST_PAUSE_MS = 50;
const checkPids = new Set<number>();
/** How much of an exec check's output is kept to explain a failure. */
const OUTPUT_LIMIT = 4096;

function parseHostPort(rest: string, text: string): { host: string; port: number } {
  const example = `write it as tcp:HOST:PORT, e.g. tcp:127.0.0.1:5432 or tcp:[::1]:5432`;
  let host: string;
  let portText: string;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close === -1 || rest[close + 1] !== ":") throw usageError(`invalid probe "${text}"`, example);
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon === -1) throw usageError(`invalid probe "${text}": missing port`, example);
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) throw usageError(`invalid probe "${text}": put an IPv6 address in [ ]`, example);
  }
  const port = Number(portText);
  if (host.length === 0) throw usageError(`invalid probe "${text}": missing host`, example);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw usageError(`invalid probe "${text}": port must be 1-65535`, example);
  }
  return { host, port };
}

function parseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`invalid probe "${text}": not a URL`, "e.g. http://127.0.0.1:8080/healthz");
  }
  if (url.hostname.length === 0) throw usageError(`invalid probe "${text}": missing host`);
  return url.href;
}

// node:net and node:fs/promises are loaded by the first check that needs them: at module load they
// cost every agent's start 3-4 ms, services or not (docs/benchmarks.md).

async function checkTcp(
  host: string,
  port: number,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<CheckResult> {
  const { connect } = await import("node:net");
  // Stopped while node:net loaded: its abort event has fired already.
  if (signal?.aborted) return { ok: false, error: "stopped" };
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: CheckResult) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => done({ ok: false, error: "stopped" });
    // A dropped SYN is retried by the kernel for minutes: this deadline is what bounds the check.
    const timer = setTimeout(
      () => done({ ok: false, error: noAnswer(deadlineMs), overran: true }),
      deadlineMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => done({ ok: true }));
    socket.once("error", (error) => done({ ok: false, error: networkError(error) }));
  });
}

async function checkHttp(url: string, deadlineMs: number, signal?: AbortSignal): Promise<CheckResult> {
  const deadline = AbortSignal.timeout(deadlineMs);
  try {
    const res = await fetch(url, {
      method: "GET",
      redirect: "manual", // a redirect is an answer: the service is up
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      // A readiness probe asks the service itself, never a proxy from the environment.
      proxy: false as unknown as string,
      // Like Kubernetes' httpGet probes: a self-signed certificate still proves the service answers.
      tls: { rejectUnauthorized: false },
      headers: { "user-agent": "unitsync-probe" },
    });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 400) return { ok: true };
    return { ok: false, error: `HTTP status ${res.status}${res.statusText ? ` ${res.statusText}` : ""}` };
  } catch (error) {
    if (deadline.aborted) return { ok: false, error: noAnswer(deadlineMs), overran: true };
    if (signal?.aborted) return { ok: false, error: "stopped" };
    return { ok: false, error: networkError(error) };
  }
}

async function checkFile(path: string): Promise<CheckResult> {
  const { stat } = await import("node:fs/promises");
  try {
    await stat(path);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, error: "does not exist" };
    if (code === "EACCES") return { ok: false, error: "permission denied" };
    return { ok: false, error: (error as Error).message };
  }
}

async function checkExec(
  command: string,
  deadlineMs: number,
  options: ExecOptions & { signal?: AbortSignal },
): Promise<CheckResult> {
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn(["/bin/sh", "-c", command], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Its own process group, so a check that overruns is killed with everything it started.
      detached: true,
    });
  } catch (error) {
    return { ok: false, error: `cannot run /bin/sh: ${(error as Error).message}` };
  }
  checkPids.add(child.pid);
  let overran = false;
  const kill = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const timer = setTimeout(() => {
    overran = true;
    kill();
  }, deadlineMs);
  options.signal?.addEventListener("abort", kill, { once: true });
  const output = { text: "" };
  // Output is collected only until the command exits: a background child holding the pipe open
  // must not hold the check.
  const reading = Promise.all([collect(child.stdout, output), collect(child.stderr, output)]);
  const status = await child.exited;
  checkPids.delete(child.pid);
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", kill);
  kill(); // a check leaves nothing behind: whatever it started in the background goes with it
  await Promise.race([reading, Bun.sleep(20)]);
  if (overran)
    return { ok: false, error: `no exit within ${formatDuration(deadlineMs)} (killed)`, overran: true };
  if (options.signal?.aborted) return { ok: false, error: "stopped" };
  if (status === 0) return { ok: true };
  const last = lastLine(output.text);
  const how = child.signalCode ? `killed by ${child.signalCode}` : `exit status ${status}`;
  return { ok: false, error: last ? `${how}: ${last}` : how };
}

async function collect(stream: ReadableStream<Uint8Array>, into: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) {
      into.text = (into.text + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_LIMIT);
    }
  } catch {
    // The stream ends with the process; an error reading it only loses the explanation.
  }
}

function lastLine(text: string): string {
  const lines = text.split("\n").filter((line) => line.trim().length > 0);
  return (lines.at(-1) ?? "").trim().slice(0, 200);
}

function noAnswer(deadlineMs: number): string {
  return `no answer within ${formatDuration(deadlineMs)}`;
}

/** A network error in a few words: the errno where there is one, the message otherwise. */
function networkError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ConnectionRefused: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host not found (DNS lookup failed)",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "connection timed out",
  };
  if (code && words[code]) return words[code] as string;
  const message = (error as Error).message ?? String(error);
  return code ? `${message} (${code})` : message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
