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

/**
 * One live line on stderr while `start`, `run` or `wait` waits: `⏳ my-app waiting for [db, git-clone] 12s`,
 * redrawn every second and whenever the awaited set changes, erased when the wait ends. It is drawn
 * only on a terminal: in a log file a redrawn line would be noise, so there only the plain lines
 * the commands print are left.
 */
export class ProgressLine {
  readonly #since = Date.now();
  readonly #timer: Timer;
  #unmet: string[];
  #stopped = false;

  private constructor(
    readonly subject: string,
    unmet: string[],
    readonly stream: ProgressStream,
  ) {
    this.#unmet = unmet;
    // unref: the line never keeps the process alive by itself.
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    this.#timer.unref();
    this.#draw();
  }

  /**
   * Starts a live line about `subject` (a unit name, or "" for `wait`) waiting for `unmet`, or
   * returns undefined when `stream` is not a terminal (or TERM=dumb).
   */
  static start(
    subject: string,
    unmet: string[],
    stream: ProgressStream = process.stderr,
  ): ProgressLine | undefined {
    if (!stream.isTTY || process.env.TERM === "dumb") return undefined;
    return new ProgressLine(subject, unmet, stream);
  }

  /** The units still awaited changed: redraw at once. */
  update(unmet: string[]): void {
    this.#unmet = unmet;
    this.#draw();
  }

  /** Erases the line; nothing is drawn afterwards. Safe to call more than once. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.stream.write(ERASE);
  }

  // --- internal ---

  #draw(): void {
    if (this.#stopped) return;
    const who = this.subject ? `${this.subject} ` : "";
    const text = `⏳ ${who}waiting for [${this.#unmet.join(", ")}] ${formatElapsed(Date.now() - this.#since)}`;
    // A pseudo-terminal may report 0 columns (no size set): assume the classic 80 then.
    this.stream.write(ERASE + fit(text, (this.stream.columns || 80) - 1));
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
