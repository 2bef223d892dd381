import { formatDuration, parseDuration } from "../lib/duration.ts";
import { ExitCode, UnitsyncError, usageError } from "../lib/errors.ts";
import { type LongTimer, setLongTimeout } from "../lib/timer.ts";
import { unixFetch } from "../lib/unix-http.ts";

/**
 * One request over the agent's socket and the deadlines that bound it, so that no call can hang:
 * the answer deadline (connect and first answer: the whole answer of a plain call, the first line of
 * a held `start` or `wait`) and, for calls with `--timeout`, the whole call's deadline. The agent
 * ends a wait with its own timeout; the client's is a backstop a little later, for an agent that
 * stopped answering midway (SIGSTOP, say).
 */

/** Environment variable: how long a call waits to connect and get its first answer (a Go duration). */
export const ANSWER_TIMEOUT_ENV = "UNITSYNC_CONNECT_TIMEOUT";
/**
 * The answer deadline when UNITSYNC_CONNECT_TIMEOUT is not set: a healthy agent answers in
 * milliseconds, but on a machine at a load average of 100 (500 clients starting at once on two
 * cores) first answers took longer than 5 s (docs/reliability.md).
 */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;
/** How long after the whole call's deadline the client gives up on an agent that did not say "timeout" itself. */
export const DEADLINE_GRACE_MS = 1000;

/** What bounds one exchange. */
export interface ExchangeOptions {
  /** The caller's own cancellation (a signal in `run`, Ctrl-C in `events`): rethrown as it is. */
  signal?: AbortSignal;
  /** Milliseconds to connect and get the first answer; `Infinity` for none (a follow that may stay silent). */
  answerMs: number;
  /** When the whole call must be over (epoch ms), and the message to time out with then. */
  deadline?: { at: number; message: string };
}

/** The answer deadline passed. */
class NoAnswer extends Error {}
/** The whole call's deadline passed. */
class PastDeadline extends Error {}

/** One request and its deadlines; `close()` it when done. */
export class Exchange {
  readonly #controller = new AbortController();
  #answerTimer: Timer | undefined;
  #deadlineTimer: LongTimer | undefined;
  #unlink: (() => void) | undefined;
  readonly #answerMs: number;

  constructor(
    readonly socketPath: string,
    readonly options: ExchangeOptions,
  ) {
    const { signal, deadline } = options;
    if (signal) {
      const forward = () => this.#controller.abort(signal.reason);
      if (signal.aborted) forward();
      signal.addEventListener("abort", forward, { once: true });
      this.#unlink = () => signal.removeEventListener("abort", forward);
    }
    const left = deadline ? Math.max(0, deadline.at - Date.now()) : Number.POSITIVE_INFINITY;
    // Even a `--timeout 1ns` leaves the agent time to answer (with its own "timeout").
    this.#answerMs = Math.min(options.answerMs, left + DEADLINE_GRACE_MS);
    if (Number.isFinite(this.#answerMs)) {
      this.#answerTimer = setTimeout(() => this.#controller.abort(new NoAnswer()), this.#answerMs);
    }
    if (deadline) {
      this.#deadlineTimer = setLongTimeout(
        () => this.#controller.abort(new PastDeadline()),
        left + DEADLINE_GRACE_MS,
      );
    }
  }

  /** Sends the request; resolves once the answer's headers are in (Bun sends them with the first line). */
  send(method: string, url: string, body?: unknown): Promise<Response> {
    return unixFetch(this.socketPath, url, {
      method,
      // Bounded here, not by the HTTP client's idle timer (a held wait is silent for as long as it waits).
      timeout: false,
      signal: this.#controller.signal,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    });
  }

  /** The first answer is complete: from now on only the whole call's deadline applies. */
  answered(): void {
    clearTimeout(this.#answerTimer);
  }

  /**
   * The wait is over (started, completed): the call's deadline no longer applies. A held `start`
   * (`run`'s lease) stays open while the command runs, for as long as it runs.
   */
  settled(): void {
    clearTimeout(this.#answerTimer);
    this.#deadlineTimer?.clear();
  }

  /** Whether the exchange was cut short (by a deadline or the caller). */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * What to throw for `error`, raised while sending or reading: a deadline as its own error, the
   * caller's cancellation as it is, anything else through `lost` (the connection failed or was lost).
   */
  failure(error: unknown, lost: (error: unknown) => unknown): unknown {
    if (this.#controller.signal.aborted) {
      const reason = this.#controller.signal.reason;
      if (reason instanceof NoAnswer) {
        return new UnitsyncError(
          `the unitsync agent at ${this.socketPath} did not answer within ${formatDuration(this.#answerMs)}`,
          ExitCode.unreachable,
          "no_answer",
          `is it stopped or overloaded, or not a unitsync agent? (${ANSWER_TIMEOUT_ENV}=30s waits longer)`,
        );
      }
      if (reason instanceof PastDeadline && this.options.deadline) {
        return new UnitsyncError(this.options.deadline.message, ExitCode.timeout, "timeout");
      }
      return reason;
    }
    if (error instanceof UnitsyncError) return error;
    return lost(error);
  }

  /** Stops the timers and forgets the caller's signal. */
  close(): void {
    clearTimeout(this.#answerTimer);
    this.#deadlineTimer?.clear();
    this.#unlink?.();
  }
}

/** The answer deadline from UNITSYNC_CONNECT_TIMEOUT (a Go duration; `0` for none), else the default. */
export function answerTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const text = env[ANSWER_TIMEOUT_ENV]?.trim();
  if (!text) return DEFAULT_ANSWER_TIMEOUT_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw usageError(`${ANSWER_TIMEOUT_ENV}: ${(error as Error).message}`, (error as UnitsyncError).hint);
  }
  return ms === 0 ? Number.POSITIVE_INFINITY : ms;
}
