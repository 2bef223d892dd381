import pkg from "../../package.json" with { type: "json" };
import { defineCommand } from "../lib/cli/command.ts";
import exp from "./exp.ts";
import sync from "./sync/index.ts";

/**
 * The root command `unitsync`. It lives apart from main.ts so that the tools that walk the command
 * tree (`unitsync completion`, docs/gen-cli.ts) can import it without running the CLI.
 */
export default defineCommand({
  meta: {
    name: "unitsync",
    version: pkg.version,
    description:
      "Coordinate parallel startup scripts: an agent with a dependency graph, and the `exp sync` client",
  },
  subCommands: {
    agent: () => import("./agent.ts").then((m) => m.default),
    exp,
    sync,
    completion: () => import("./completion.ts").then((m) => m.default),
  },
});
