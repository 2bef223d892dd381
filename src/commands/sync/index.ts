import { defineCommand } from "../../lib/cli/command.ts";
import complete from "./complete.ts";
import ping from "./ping.ts";
import start from "./start.ts";
import want from "./want.ts";

/** `unitsync exp sync` (also `unitsync sync`): the client verbs scripts call. */
export default defineCommand({
  meta: {
    name: "sync",
    description: "Coordinate startup units through the agent (Coder's `exp sync` verbs and more)",
  },
  subCommands: {
    ping,
    want,
    start,
    complete,
    status: () => import("./status.ts").then((m) => m.default),
    list: () => import("./list.ts").then((m) => m.default),
    graph: () => import("./graph.ts").then((m) => m.default),
    timeline: () => import("./timeline.ts").then((m) => m.default),
    events: () => import("./events.ts").then((m) => m.default),
    fail: () => import("./fail.ts").then((m) => m.default),
    run: () => import("./run.ts").then((m) => m.default),
    wait: () => import("./wait.ts").then((m) => m.default),
    probe: () => import("./probe.ts").then((m) => m.default),
    target: () => import("./target.ts").then((m) => m.default),
  },
});
