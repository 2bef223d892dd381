import type { MainOptions } from "../agent/entrypoint.ts";
import { runAgent } from "../agent/lifecycle.ts";
import type { LogFormat } from "../agent/log.ts";
import { resolveGroup } from "../agent/socket-group.ts";
import { DEFAULT_LEASE, DEFAULT_NAMESPACE, DEFAULT_RENEW, storeConfig } from "../agent/store/config.ts";
import { nameProblem } from "../graph/names.ts";
import { defineCommand } from "../lib/cli/command.ts";
import { parseDuration } from "../lib/duration.ts";
import { usageError } from "../lib/errors.ts";
import { resolveSocketPath } from "../lib/socket-path.ts";
import { socketArgs } from "./_args.ts";

export default defineCommand({
  meta: {
    name: "agent",
    description:
      "Run the agent: the socket server that owns the dependency graph, and optionally the startup scripts",
  },
  // `agent` runs the agent itself; `agent stop` is the one verb below it.
  subCommands: { stop: () => import("./agent-stop.ts").then((m) => m.default) },
  args: {
    ...socketArgs,
    "socket-server-enabled": {
      type: "string",
      valueHint: "true|false",
      description: "Serve the socket (env CODER_AGENT_SOCKET_SERVER_ENABLED; default true)",
    },
    "log-format": {
      type: "enum",
      options: ["text", "json"],
      default: "text",
      description: "Log format: text lines, or one JSON object per line",
    },
    scripts: {
      type: "string",
      valueHint: "dir",
      multiple: true,
      description:
        "Run every executable file in DIR as a unit, in parallel, ordered by their `# unitsync: want=...` headers (repeatable)",
    },
    script: {
      type: "string",
      valueHint: "file",
      multiple: true,
      description: "Run FILE as a unit, like the files of --scripts (repeatable)",
    },
    "before-all": {
      type: "string",
      valueHint: "unit",
      multiple: true,
      description:
        "Make every other unit, including those registered later, depend on UNIT (repeatable; scripts: `# unitsync: before=*`)",
    },
    "log-dir": {
      type: "string",
      valueHint: "dir",
      description:
        "Keep each script's output in DIR/<unit>.log, a unit name with other characters than A-Z a-z 0-9 . _ - escaped plus a short hash (default: <socket name>-logs beside the socket)",
    },
    "exit-when-done": {
      type: "boolean",
      description:
        "Exit when every script has finished: 0 if all completed, 1 otherwise (default: keep serving)",
    },
    "allow-unsafe-scripts": {
      type: "boolean",
      description:
        "Run scripts even if another user could have written them (world-writable, owned by another user, in a world-writable directory)",
    },
    timeout: {
      type: "string",
      valueHint: "duration",
      description:
        "Bound the scripts' whole run (90s, 5m); then running scripts are stopped and their units fail with `timeout` (exit 124 with --exit-when-done)",
    },
    "socket-group": {
      type: "string",
      valueHint: "group|gid",
      description:
        "Let the members of GROUP use the socket: socket 0660 and its directory 0750, both in that group (env UNITSYNC_SOCKET_GROUP; see docs/multi-host.md)",
    },
    store: {
      type: "string",
      valueHint: "url",
      description:
        "Share the graph with agents on other hosts through Redis: redis://[user:password@]HOST:PORT[/DB], rediss://, redis+unix:///path (env UNITSYNC_STORE; see docs/multi-host.md)",
    },
    namespace: {
      type: "string",
      valueHint: "name",
      description: `The shared graph to join in the store (env UNITSYNC_NAMESPACE; default ${DEFAULT_NAMESPACE})`,
    },
    lease: {
      type: "string",
      valueHint: "duration",
      description: `With --store: how long this agent's lease lasts unrenewed before the others fail the units it started (default ${DEFAULT_LEASE})`,
    },
    "lease-renew": {
      type: "string",
      valueHint: "duration",
      description: `With --store: how often the lease is renewed, at most half of --lease; also the store's answer timeout (default ${DEFAULT_RENEW})`,
    },
    "main-after": {
      type: "string",
      valueHint: "units",
      multiple: true,
      description:
        "Entrypoint mode: start the command after -- once these units have completed (repeat or comma-separate; default: every script's unit)",
    },
    "main-anyway": {
      type: "boolean",
      description: "Entrypoint mode: start the command after -- even if a unit it waits for failed",
    },
    // Last: the usage line reads `[OPTIONS] -- <command> [args...]`.
    command: {
      type: "positional",
      afterDashes: true,
      required: false,
      description:
        "Entrypoint mode: the main command, started once the startup has finished; the agent exits with its status",
    },
  },
  async run({ args }) {
    const main = mainOf(args);
    const dirs = args.scripts;
    const files = args.script;
    const withScripts = dirs.length + files.length > 0;
    if (!withScripts) {
      for (const flag of ["exit-when-done", "timeout", "log-dir", "allow-unsafe-scripts"] as const) {
        if (args[flag] !== undefined && args[flag] !== false)
          throw usageError(`--${flag} needs --scripts DIR or --script FILE`);
      }
    }
    const timeoutMs = args.timeout === undefined ? 0 : parseDuration(args.timeout);
    const serve = parseBool(
      args["socket-server-enabled"] ?? process.env.CODER_AGENT_SOCKET_SERVER_ENABLED ?? "true",
    );
    if (!serve && main) {
      throw usageError(
        "the command after -- needs the socket server, but it is disabled (--socket-server-enabled=false)",
      );
    }
    if (main && args["exit-when-done"] === true) {
      throw usageError(
        "--exit-when-done and a command after -- exclude each other: the agent exits with the command",
      );
    }
    if (!serve && withScripts) {
      throw usageError(
        "--scripts and --script need the socket server, but it is disabled (--socket-server-enabled=false)",
      );
    }
    const beforeAll = args["before-all"];
    for (const unit of beforeAll) {
      const problem = nameProblem(unit);
      if (problem) throw usageError(`--before-all ${JSON.stringify(unit)}: ${problem}`);
    }
    const store = storeConfig(args);
    const group = args["socket-group"] ?? (process.env.UNITSYNC_SOCKET_GROUP || undefined);
    process.exitCode = await runAgent({
      socketPath: resolveSocketPath(args["socket-path"]),
      serve,
      logFormat: args["log-format"] as LogFormat,
      ...(store && { store }),
      ...(group !== undefined && { socketGroup: resolveGroup(group) }),
      ...(main && { main }),
      ...(beforeAll.length > 0 && { beforeAll }),
      ...(withScripts && {
        scripts: {
          dirs,
          files,
          ...(args["log-dir"] !== undefined && { logDir: args["log-dir"] }),
          exitWhenDone: args["exit-when-done"] === true,
          timeoutMs,
          allowUnsafe: args["allow-unsafe-scripts"] === true,
        },
      }),
    });
  },
});

// --- internal ---

/** Entrypoint mode's main command (the words after `--`) and its flags; undefined without one. */
function mainOf(args: {
  command: string[];
  "main-after": string[];
  "main-anyway"?: boolean;
}): MainOptions | undefined {
  const { command } = args;
  if (command.length === 0) {
    // `ENTRYPOINT [..., "--"]` with an empty CMD is a plain agent; the main flags need a command though.
    for (const flag of ["main-after", "main-anyway"] as const) {
      const given = flag === "main-after" ? args[flag].length > 0 : args[flag] === true;
      if (given)
        throw usageError(
          `--${flag} needs a command after --`,
          "e.g. unitsync agent --scripts DIR --main-after db -- bash",
        );
    }
    return undefined;
  }
  const after = [
    ...new Set(
      args["main-after"].flatMap((value) =>
        value
          .split(",")
          .map((unit) => unit.trim())
          .filter((unit) => unit.length > 0),
      ),
    ),
  ];
  for (const unit of after) {
    const problem = nameProblem(unit);
    if (problem) throw usageError(`--main-after: ${problem}`);
  }
  return { command, anyway: args["main-anyway"] === true, ...(after.length > 0 && { after }) };
}

function parseBool(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw usageError(`invalid boolean "${text}" for --socket-server-enabled; use true or false`);
}
