import { createConsola } from "consola";
import { describeEvent } from "../protocol/event-text.ts";
import type { Event } from "../protocol/schemas.ts";

export type LogFormat = "text" | "json";

/** The agent's log: one line per state change, on stderr, as text or JSON lines. */
export interface AgentLog {
  event(event: Event): void;
  info(message: string): void;
  warn(message: string): void;
}

/** Creates the agent's log in the given format. */
export function createAgentLog(format: LogFormat): AgentLog {
  if (format === "json") {
    const write = (value: object) => process.stderr.write(`${JSON.stringify(value)}\n`);
    return {
      event: write,
      info: (message) => write({ time: new Date().toISOString(), level: "info", message }),
      warn: (message) => write({ time: new Date().toISOString(), level: "warn", message }),
    };
  }
  // Diagnostics go to stderr, every line is kept (no throttling), fancy only on a terminal.
  const consola = createConsola({
    stdout: process.stderr,
    stderr: process.stderr,
    throttle: 0,
    fancy: process.stderr.isTTY === true,
  } as Parameters<typeof createConsola>[0]);
  return {
    event: (event) =>
      event.type === "failed" ? consola.warn(describeEvent(event)) : consola.info(describeEvent(event)),
    info: (message) => consola.info(message),
    warn: (message) => consola.warn(message),
  };
}
