import { createConsola } from "consola";
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

/** A state change in words, e.g. `unit "db" completed`. */
export function describeEvent(event: Event): string {
  const unit = `unit "${event.unit}"`;
  switch (event.type) {
    case "registered":
      return `${unit} registered`;
    case "dependencies_added":
      return `${unit} declared dependencies: [${event.depends_on?.join(", ")}]`;
    case "waiting":
      return `${unit} is waiting for: [${event.unmet?.join(", ")}]`;
    case "started":
      return `${unit} started`;
    case "completed":
      return `${unit} completed`;
    case "failed":
      return `${unit} failed${event.reason ? `: ${event.reason}` : ""}`;
  }
}
