import { defineCommand } from "../../lib/command.ts";

/** `unitsync exp sync` (also `unitsync sync`): the client verbs scripts call. */
export default defineCommand({
  meta: {
    name: "sync",
    description: "Coordinate startup units through the agent (Coder's `exp sync` verbs and more)",
  },
  subCommands: {
    ping: () => import("./ping.ts").then((m) => m.default),
    want: () => import("./want.ts").then((m) => m.default),
    start: () => import("./start.ts").then((m) => m.default),
    complete: () => import("./complete.ts").then((m) => m.default),
    status: () => import("./status.ts").then((m) => m.default),
    list: () => import("./list.ts").then((m) => m.default),
    graph: () => import("./graph.ts").then((m) => m.default),
    timeline: () => import("./timeline.ts").then((m) => m.default),
    events: () => import("./events.ts").then((m) => m.default),
    fail: () => import("./fail.ts").then((m) => m.default),
    run: () => import("./run.ts").then((m) => m.default),
    wait: () => import("./wait.ts").then((m) => m.default),
  },
});
