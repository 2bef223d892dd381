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
    this.#timer = setTimeout(() => this.#begin(), stream ? 0 : FIRST_DRAW_MS);
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

  #begin(): void {
    if (this.#stopped) return;
    this.#stream ??= process.stderr;
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
