import { besideSocket } from "../../lib/socket-path.ts";
import { type LogFormat, stderrLine } from "../log.ts";

/** Which of a script's output streams a line came from. */
export type StreamName = "stdout" | "stderr";

/** Where the lines of the scripts' output are shown (the agent's stderr). */
export interface OutputSink {
  line(unit: string, stream: StreamName, text: string): void;
}

/** A line longer than this is shown in pieces, so a script printing without newlines cannot hog memory. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Shows script output on the agent's stderr: `[unit] text` lines, or with the JSON log format one
 * object per line (`{"time","unit","stream","line"}`) so the log stays machine-readable.
 */
export function createOutputSink(
  format: LogFormat,
  writeLine: (line: string) => void = stderrLine,
): OutputSink {
  if (format === "json") {
    return {
      line: (unit, stream, text) =>
        writeLine(JSON.stringify({ time: new Date().toISOString(), unit, stream, line: text })),
    };
  }
  return { line: (unit, _stream, text) => writeLine(`[${unit}] ${text}`) };
}

/**
 * Splits a byte stream into lines (UTF-8, a trailing `\r` dropped). `end` flushes a last line that
 * has no newline, so nothing a script printed before exiting is lost.
 */
export class LineSplitter {
  /** Made at the first chunk: most scripts print nothing on one of their streams, or on both. */
  #decoder: TextDecoder | undefined;
  #pending = "";

  constructor(readonly onLine: (text: string) => void) {}

  /** Feeds a chunk; calls onLine for every line it completes. */
  push(chunk: Uint8Array): void {
    this.#decoder ??= new TextDecoder();
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    let newline = this.#pending.indexOf("\n");
    while (newline !== -1) {
      this.onLine(withoutCr(this.#pending.slice(0, newline)));
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf("\n");
    }
    while (this.#pending.length >= MAX_LINE_CHARS) {
      this.onLine(this.#pending.slice(0, MAX_LINE_CHARS));
      this.#pending = this.#pending.slice(MAX_LINE_CHARS);
    }
  }

  /** Flushes the partial last line, if any. */
  end(): void {
    if (this.#decoder) this.#pending += this.#decoder.decode();
    if (this.#pending !== "") this.onLine(withoutCr(this.#pending));
    this.#pending = "";
  }
}

/**
 * The default directory for the scripts' logs: beside the socket, named after it
 * (`/tmp/unitsync-0/agent.sock` logs to `/tmp/unitsync-0/agent-logs/`), so two agents in one
 * directory never share logs and `$XDG_RUNTIME_DIR` does not get a generic `logs` directory.
 */
export function defaultLogDir(socketPath: string): string {
  return besideSocket(socketPath, "-logs");
}

/** A line without its trailing `\r` (a CRLF line's), by string operations: no regular expression per line. */
function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
