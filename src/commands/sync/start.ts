import { defineCommand } from "../../lib/cli/command.ts";
import { parseDuration } from "../../lib/duration.ts";
import { autostartArgs, progressArgs, socketArgs, timeoutArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";
import { startUnit } from "./_start-unit.ts";

export default defineCommand({
  meta: {
    name: "start",
    description: "Wait until every dependency of a unit has completed, then mark it started",
  },
  args: { ...unitArg, ...timeoutArgs, ...progressArgs, ...socketArgs, ...autostartArgs },
  async run({ args }) {
    checkNames(args.unit);
    const timeoutMs = parseDuration(args.timeout);
    const progressMs = parseDuration(args["progress-interval"]);
    const say = (text: string) => console.log(text);
    const request = { unit: args.unit, timeout_ms: timeoutMs };
    await startUnit(clientFor(args, { autostart: true }), request, say, undefined, progressMs);
  },
});
