import { fstatSync } from "node:fs";
import { bindingIsatty } from "../lib/terminal.ts";
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
  // Bun's file sink costs ~1 ms more to make once Bun.serve has run (measured in a compiled binary:
  // 0.1 ms before, 0.8-1.1 ms after); the agent's first line comes after it binds its socket.
  if (!stderrIsTerminal()) writeLine ??= fileSinkLines();
  if (format === "json") {
    const write = (value: object) => stderrLine(JSON.stringify(value));
    return {
      event: write,
      info: (message) => write({ time: new Date().toISOString(), level: "info", message }),
      warn: (message) => write({ time: new Date().toISOString(), level: "warn", message }),
    };
  }
  if (!stderrIsTerminal()) {
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
  process.stderr.on("error", loseStderr);
  // A lost terminal (EPIPE, EIO) stops the log, never the agent: see stderrLine.
  const guarded = (log: (message: string) => void) => (message: string) => {
    if (lost) return;
    try {
      log(message);
    } catch (error) {
      loseStderr(error);
    }
  };
  const info = guarded((message) => consola.info(message));
  const warn = guarded((message) => consola.warn(message));
  return {
    event: (event) => (event.type === "failed" ? warn(describeEvent(event)) : info(describeEvent(event))),
    info,
    warn,
  };
}

/**
 * Writes one line to the agent's stderr. On a terminal through process.stderr, where consola writes
 * too, so the lines keep their order; elsewhere through a Bun file sink, because building Node's
 * stream object costs start-up time (docs/benchmarks.md), `fs.writeSync` throws EAGAIN on a full
 * non-blocking pipe, and console.error colours every line red on a terminal or with FORCE_COLOR.
 *
 * Losing the reader of stderr (EPIPE: a pipe whose reader exited) must never stop the agent, or
 * every unit's state would go with it: the first failed write stops all further ones, is said once
 * on stdout if that still works, and the agent keeps serving.
 */
export function stderrLine(line: string): void {
  if (lost) return;
  writeLine ??= stderrIsTerminal() ? terminalLines() : fileSinkLines();
  try {
    writeLine(line);
  } catch (error) {
    loseStderr(error);
  }
}

// --- internal ---

let writeLine: ((line: string) => void) | undefined;
let lost = false;
let terminal: boolean | undefined;

/**
 * Whether stderr is a terminal, without node:tty, whose module loads Node's streams (about 5 ms
 * before a one-shot agent's first script, issue 13): the runtime's tty binding answers
 * (src/lib/terminal.ts). Where it has none, only a character device can be a terminal (a pipe, a
 * file or a socket is told apart with one fstat), and a character device asks node:tty.
 */
function stderrIsTerminal(): boolean {
  terminal ??=
    bindingIsatty(2) ?? (characterDevice(2) && (require("node:tty") as typeof import("node:tty")).isatty(2));
  return terminal;
}

function characterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false; // No such descriptor (closed): not a terminal.
  }
}

function terminalLines(): (line: string) => void {
  // Without a listener, an asynchronous write error on the stream is an uncaught exception.
  process.stderr.on("error", loseStderr);
  return (text) => process.stderr.write(`${text}\n`);
}

function fileSinkLines(): (line: string) => void {
  const sink = Bun.stderr.writer();
  return (line) => {
    sink.write(`${line}\n`);
    const flushed = sink.flush();
    if (flushed instanceof Promise) flushed.catch(loseStderr);
  };
}

function loseStderr(error: unknown): void {
  if (lost) return;
  lost = true;
  const code = (error as { code?: string } | undefined)?.code ?? String(error);
  try {
    const stdout = Bun.stdout.writer();
    stdout.write(`unitsync agent: cannot write to stderr (${code}); logging stopped, still serving\n`);
    const flushed = stdout.flush();
    if (flushed instanceof Promise) flushed.catch(() => {});
  } catch {
    // Nowhere left to say it: keep serving in silence.
  }
}
