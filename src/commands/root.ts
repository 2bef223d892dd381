import pkg from "../../package.json" with { type: "json" };
import { defineCommand } from "../lib/command.ts";

/**
 * The root command `unitsync`. It lives apart from main.ts so that the tools that walk the command
 * tree (`unitsync completion`, scripts/gen-cli-docs.ts) can import it without running the CLI.
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
    exp: () => import("./exp.ts").then((m) => m.default),
    sync: () => import("./sync/index.ts").then((m) => m.default),
    completion: () => import("./completion.ts").then((m) => m.default),
  },
});
