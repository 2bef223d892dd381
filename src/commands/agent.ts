import { defineCommand } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { createAgentLog, type LogFormat } from "../agent/log.ts";
import { startAgent } from "../agent/server.ts";
import { usageError } from "../lib/errors.ts";
import { resolveSocketPath } from "../lib/paths.ts";
import { socketArgs } from "./_args.ts";

export default defineCommand({
  meta: { name: "agent", description: "Run the agent: the socket server that owns the dependency graph" },
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
  },
  async run({ args }) {
    const log = createAgentLog(args["log-format"] as LogFormat);
    const enabled = parseBool(
      args["socket-server-enabled"] ?? process.env.CODER_AGENT_SOCKET_SERVER_ENABLED ?? "true",
    );
    if (!enabled) {
      log.info("socket server disabled (--socket-server-enabled=false); nothing to do");
      return;
    }
    const agent = await startAgent({
      socketPath: resolveSocketPath(args["socket-path"]),
      version: pkg.version,
      log,
    });
    log.info(`unitsync ${pkg.version} agent listening on ${agent.socketPath} (pid ${process.pid})`);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info(`received ${signal}; shutting down`);
        agent.stop().then(resolve);
      };
      process.once("SIGINT", () => shutdown("SIGINT"));
      process.once("SIGTERM", () => shutdown("SIGTERM"));
    });
    log.info("agent stopped");
  },
});

// --- internal ---

function parseBool(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw usageError(`invalid boolean "${text}" for --socket-server-enabled; use true or false`);
}
