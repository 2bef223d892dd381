import { defineCommand } from "citty";
import pkg from "../package.json" with { type: "json" };
import { runCli } from "./lib/cli.ts";

const root = defineCommand({
  meta: {
    name: "unitsync",
    version: pkg.version,
    description:
      "Coordinate parallel startup scripts: an agent with a dependency graph, and the `exp sync` client",
  },
  subCommands: {
    agent: () => import("./commands/agent.ts").then((m) => m.default),
    exp: () => import("./commands/exp.ts").then((m) => m.default),
    sync: () => import("./commands/sync/index.ts").then((m) => m.default),
  },
});

process.exitCode = await runCli(root, process.argv.slice(2), pkg.version);
