import { oneLine } from "../lib/one-line.ts";
import type { Event } from "./snapshot-events.ts";

/**
 * The one human line for a state change, shared by the agent's text log and `events`, so the two
 * always read alike.
 */

/** A state change in words, e.g. `unit "db" completed`; always one line (a reason's control characters escaped). */
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
      return `${unit} failed${event.reason ? `: ${oneLine(event.reason)}` : ""}`;
    case "reset":
      return `${unit} is pending again: the failure behind it is being retried`;
  }
}
