import type { ArgsDef } from "../lib/cli/command.ts";

/** `--socket-path`, on every command that talks to or runs the agent. */
export const socketArgs = {
  "socket-path": {
    type: "string",
    valueHint: "path",
    description:
      "The agent's unix socket (env UNITSYNC_SOCKET_PATH; default $XDG_RUNTIME_DIR/unitsync.sock, else /tmp/unitsync-<uid>/agent.sock)",
  },
} as const satisfies ArgsDef;

/** `--timeout`, for the verbs that wait. */
export const timeoutArgs = {
  timeout: {
    type: "string",
    default: "5m",
    valueHint: "duration",
    description: "How long to wait for dependencies, as a Go duration (90s, 5m, 1h30m); 0 waits forever",
  },
} as const satisfies ArgsDef;

/** `--progress-interval`, for the verbs that wait: the "still waiting" lines of a build log. */
export const progressArgs = {
  "progress-interval": {
    type: "string",
    default: "30s",
    valueHint: "duration",
    description:
      'When stderr is not a terminal (a build log), print a "still waiting" line this often, naming what the wait is stuck on; 0 turns it off',
  },
} as const satisfies ArgsDef;

/** `-o table|json` and `-c columns`, for the verbs that print data. */
export const tableArgs = {
  output: {
    type: "enum",
    alias: "o",
    options: ["table", "json"],
    default: "table",
    description: "Output format",
  },
  column: {
    type: "string",
    alias: "c",
    valueHint: "columns",
    description: "Columns to show in the table, comma-separated",
  },
} as const satisfies ArgsDef;

/** `-o text|json`, for the verbs that print a message or, with json, data. */
export const textOrJsonArgs = {
  output: {
    type: "enum",
    alias: "o",
    options: ["text", "json"],
    default: "text",
    description: "Output format",
  },
} as const satisfies ArgsDef;

/** The positional unit name. */
export const unitArg = {
  unit: {
    type: "positional",
    required: true,
    description: "The unit's name (1-128 characters, no whitespace)",
  },
} as const satisfies ArgsDef;

/** `--no-autostart`, for the verbs that start an agent when none answers (want, start, run, wait). */
export const autostartArgs = {
  autostart: {
    type: "boolean",
    default: true,
    description: "Start an agent in the background if none answers at the socket path",
    negativeDescription: "Never start an agent; fail with exit 3 if none answers (env UNITSYNC_AUTOSTART=0)",
  },
} as const satisfies ArgsDef;

/** `--want`, repeatable, for the verbs that wait for their dependencies first (`run`, `probe`); read with wantList. */
export const wantArgs = {
  want: {
    type: "string",
    valueHint: "unit",
    multiple: true,
    description: "A dependency; repeat the flag or separate units by commas (--want a --want b, --want=a,b)",
  },
} as const satisfies ArgsDef;

/** The units of repeatable `--want` values, each of which may be a comma list (`--want a,b`). */
export function wantList(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
