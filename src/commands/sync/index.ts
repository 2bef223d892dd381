import { defineCommand } from "citty";

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
  },
});
