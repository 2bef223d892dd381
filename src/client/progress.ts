import { printLine } from "../lib/stderr.ts";
import { isTerminal } from "../lib/terminal.ts";
import type { StatusResponse } from "../protocol/responses.ts";

/** How often the elapsed time on the live line is redrawn. */
const REDRAW_MS = 1000;
/** Carriage return + "erase the whole line": the line is redrawn in place, never scrolled. */
const ERASE = "\r\x1b[2K";

/** What the live line writes to: a subset of process.stderr, so tests can pass a fake. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** How long a wait lasts before the live line appears: short waits never draw (or look at stderr). */
const FIRST_DRAW_MS = 300;

/**
 * One live line on stderr while `start`, `run` or `wait` waits: `⏳ my-app waiting for [db, git-clone] 12s`,
 * redrawn every second and whenever the awaited set changes, erased when the wait ends. It is drawn
 * only on a terminal: in a log file a redrawn line would be noise, so there only the plain lines
 * the commands print are left. Whether stderr is a terminal is asked only once the wait has lasted
 * FIRST_DRAW_MS: building `process.stderr` costs a Bun process measurable CPU (docs/benchmarks.md,
 * "Touching process.stdout"), which thirty scripts starting at once on a small machine should not
 * all pay for waits that end at once.
 */
export class ProgressLine {
  readonly #since = Date.now();
  #timer: Timer;
  #stream: ProgressStream | undefined;
  #unmet: string[];
  #drawn = false;
  #stopped = false;

  private constructor(
    readonly subject: string,
    unmet: string[],
    stream: ProgressStream | undefined,
  ) {
    this.#unmet = unmet;
    this.#stream = stream;
    // unref: the line never keeps the process alive by itself.
    this.#timer = setTimeout(() => void this.#begin(), stream ? 0 : FIRST_DRAW_MS);
    this.#timer.unref();
  }

  /**
   * Starts a live line about `subject` (a unit name, or "" for `wait`) waiting for `unmet`, on
   * `stream` (default: stderr, looked at later); undefined when that is not a terminal or TERM=dumb.
   */
  static start(subject: string, unmet: string[], stream?: ProgressStream): ProgressLine | undefined {
    if ((stream && !stream.isTTY) || process.env.TERM === "dumb") return undefined;
    return new ProgressLine(subject, unmet, stream);
  }

  /** The units still awaited changed: redraw at once (once the line is showing). */
  update(unmet: string[]): void {
    this.#unmet = unmet;
    if (this.#drawn) this.#draw();
  }

  /** Erases the line; nothing is drawn afterwards. Safe to call more than once. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    if (this.#drawn) this.#stream?.write(ERASE);
  }

  // --- internal ---

  async #begin(): Promise<void> {
    if (this.#stopped) return;
    if (!this.#stream) {
      const terminal = await isTerminal(2);
      if (this.#stopped) return;
      if (!terminal) {
        this.#stopped = true;
        return;
      }
      this.#stream = process.stderr;
    }
    if (!this.#stream.isTTY) {
      this.#stopped = true;
      return;
    }
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    this.#timer.unref();
  }

  #draw(): void {
    const stream = this.#stream;
    if (this.#stopped || !stream) return;
    this.#drawn = true;
    const who = this.subject ? `${this.subject} ` : "";
    const text = `⏳ ${who}waiting for [${this.#unmet.join(", ")}] ${formatElapsed(Date.now() - this.#since)}`;
    // A pseudo-terminal may report 0 columns (no size set): assume the classic 80 then.
    stream.write(ERASE + fit(text, (stream.columns || 80) - 1));
  }
}

/** Whole seconds the way a person reads them on a clock: `12s`, `1m05s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

// --- internal ---

/** Cuts the text to `width` terminal cells: a line that wraps could no longer be erased in place. */
function fit(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  // Every character takes at least one cell, so no more than `width` of them can fit.
  let cut = text.slice(0, Math.max(0, width));
  while (cut.length > 0 && Bun.stringWidth(`${cut}…`) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** What the "still waiting" log line asks about the wait when it is due: the agent's status of a unit. */
export type StatusLookup = (unit: string) => Promise<StatusResponse | undefined>;

/**
 * The build-log counterpart of the live line: when stderr is not a terminal (Coder's startup logs
 * are files), one line every `intervalMs` while `start`, `run` or `wait` waits, e.g.
 * `Unit "app" still waiting after 30s for [db]: db -> db.migrate (started 25s ago)`, naming what the
 * wait is really stuck on (the agent's `waiting_on` chain). stdout keeps Coder's exact lines.
 * Nothing is looked at (stderr, the agent) before the first line is due.
 */
export class ProgressLog {
  readonly #since = Date.now();
  readonly #timer: Timer;
  #unmet: string[];
  #stopped = false;

  private constructor(
    readonly subject: string,
    unmet: string[],
    intervalMs: number,
    readonly lookup: StatusLookup,
    readonly stream: ProgressStream | undefined,
  ) {
    this.#unmet = unmet;
    this.#timer = setInterval(() => void this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /** Starts the log lines about `subject` (a unit, or "" for `wait`); undefined when `intervalMs` is 0. */
  static start(
    subject: string,
    unmet: string[],
    intervalMs: number,
    lookup: StatusLookup,
    stream?: ProgressStream,
  ): ProgressLog | undefined {
    if (intervalMs <= 0 || (stream?.isTTY ?? false)) return undefined;
    return new ProgressLog(subject, unmet, intervalMs, lookup, stream);
  }

  /** The units still awaited changed. */
  update(unmet: string[]): void {
    this.#unmet = unmet;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  // --- internal ---

  async #tick(): Promise<void> {
    // On a terminal the live line says it already.
    const tty = this.stream ? this.stream.isTTY : await isTerminal(2);
    if (tty) return this.stop();
    const unmet = this.#unmet;
    const why = await this.#why(unmet).catch(() => undefined);
    // The clock after the agent answered: its times are as old as they are now.
    const now = Date.now();
    const who = this.subject ? `Unit "${this.subject}" still waiting` : "Still waiting";
    let line = `${who} after ${formatElapsed(now - this.#since)} for [${unmet.join(", ")}]`;
    if (why) line += `: ${why(now)}`;
    if (this.#stopped) return;
    if (this.stream) this.stream.write(`${line}\n`);
    else printLine(line);
  }

  /** `db -> db.migrate (started 25s ago)`: the chain from the first unmet unit down to its blocker. */
  async #why(unmet: readonly string[]): Promise<((now: number) => string) | undefined> {
    const first = unmet[0];
    if (first === undefined) return undefined;
    const unit = this.subject || first;
    // The agent refuses the status of a name nobody mentioned: for a wait, that is the answer.
    const status = await this.lookup(unit).catch((error: { code?: string }) => {
      if (error?.code !== "not_registered") throw error;
      return {
        unit_name: unit,
        status: "not registered",
        is_ready: true,
        dependencies: [],
      } as StatusResponse;
    });
    if (!status) return undefined;
    let chain = status.waiting_on;
    if (chain && this.subject) chain = chain.slice(1);
    const blocker = status.blocker;
    if (chain && chain.length > 0 && blocker) {
      const path = chain.join(" -> ");
      return (now) => `${path} (${blockerState(blocker, now)})`;
    }
    // `wait` on a unit that is not itself waiting: it is its own blocker.
    if (this.subject) return undefined;
    const times = status.times ?? {};
    const since =
      status.status === "started"
        ? times.started_at
        : status.status === "failed"
          ? times.finished_at
          : times.registered_at;
    const own = {
      status: status.status,
      ...(since && { since }),
      ...(status.reason && { reason: status.reason }),
    };
    return (now) => `${first} (${blockerState(own, now)})`;
  }
}

/** A blocker in words: `started 25s ago`, `registered 3s ago, not started`, `failed 1s ago: exit 2`, `not registered`. */
export function blockerState(
  blocker: { status: string; since?: string | undefined; reason?: string | undefined },
  now: number,
): string {
  const since = blocker.since ? ` ${formatElapsed(Math.max(0, now - Date.parse(blocker.since)))} ago` : "";
  if (blocker.status === "pending") return `registered${since}, not started`;
  if (blocker.status === "failed") return `failed${since}${blocker.reason ? `: ${blocker.reason}` : ""}`;
  if (blocker.status === "started") return `started${since}`;
  return blocker.status;
}
