import { isatty } from "node:tty";
import { describeEvent } from "../protocol/event-text.ts";
import type { Event } from "../protocol/schemas.ts";

export type LogFormat = "text" | "json";

/** The agent's log: one line per state change, on stderr, as text or JSON lines. */
export interface AgentLog {
  event(event: Event): void;
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Creates the agent's log in the given format. Off a terminal the lines are the ones consola's basic
 * reporter prints (`[info] message`, `[warn] message`), written without loading consola: its module
 * costs ~5 ms, which a one-shot `agent --scripts --exit-when-done` pays before its first script
 * starts (issue 13). On a terminal consola's fancy reporter draws them.
 */
export async function createAgentLog(format: LogFormat): Promise<AgentLog> {
  if (format === "json") {
    const write = (value: object) => stderrLine(JSON.stringify(value));
    return {
      event: write,
      info: (message) => write({ time: new Date().toISOString(), level: "info", message }),
      warn: (message) => write({ time: new Date().toISOString(), level: "warn", message }),
    };
  }
  if (!isatty(2)) {
    const line = (type: "info" | "warn", message: string) => stderrLine(`[${type}] ${message}`);
    return {
      event: (event) => line(event.type === "failed" ? "warn" : "info", describeEvent(event)),
      info: (message) => line("info", message),
      warn: (message) => line("warn", message),
    };
  }
  const { createConsola } = await import("consola");
  // Diagnostics go to stderr, every line is kept (no throttling).
  const consola = createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    throttle: 0,
    fancy: true,
  } as Parameters<typeof createConsola>[0]);
  return {
    event: (event) =>
      event.type === "failed" ? consola.warn(describeEvent(event)) : consola.info(describeEvent(event)),
    info: (message) => consola.info(message),
    warn: (message) => consola.warn(message),
  };
}

/**
 * Writes one line to the agent's stderr. On a terminal through process.stderr, where consola writes
 * too, so the lines keep their order; elsewhere through a Bun file sink, because building Node's
 * stream object costs ~5 ms, `fs.writeSync` throws EAGAIN on a full non-blocking pipe, and
 * console.error colours every line red on a terminal or with FORCE_COLOR.
 */
export function stderrLine(line: string): void {
  writeLine ??= isatty(2) ? (text) => process.stderr.write(`${text}\n`) : fileSinkLines();
  writeLine(line);
}

// --- internal ---

let writeLine: ((line: string) => void) | undefined;

function fileSinkLines(): (line: string) => void {
  const sink = Bun.stderr.writer();
  return (line) => {
    sink.write(`${line}\n`);
    sink.flush();
  };
}
