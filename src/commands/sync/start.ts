import { defineCommand } from "citty";
import { parseDuration } from "../../lib/duration.ts";
import { socketArgs, timeoutArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_context.ts";

export default defineCommand({
  meta: {
    name: "start",
    description: "Wait until every dependency of a unit has completed, then mark it started",
  },
  args: { ...unitArg, ...timeoutArgs, ...socketArgs },
  async run({ args }) {
    checkNames(args.unit);
    const timeoutMs = parseDuration(args.timeout);
    const unit = args.unit;
    let waitedFor: string[] = [];
    for await (const line of clientFor(args).stream("/start", { unit, timeout_ms: timeoutMs })) {
      if (line.type === "waiting") {
        if (waitedFor.length === 0) {
          waitedFor = line.unmet;
          console.log(
            `Unit "${unit}" is waiting for dependencies to be satisfied: [${line.unmet.join(", ")}]`,
          );
        }
      } else if (line.type === "started") {
        if (line.waited)
          console.log(`Unit "${unit}" finished waiting for dependencies: [${waitedFor.join(", ")}]`);
        else if (line.dependencies.length === 0) console.log(`Unit "${unit}" started with no dependencies`);
        else {
          console.log(
            `Unit "${unit}" started immediately, dependencies already satisfied: [${line.dependencies.join(", ")}]`,
          );
        }
      }
    }
  },
});
