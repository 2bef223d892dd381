import { defineCommand } from "../../lib/cli/command.ts";
import { socketArgs, textOrJsonArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "fail",
    description: "Mark a unit failed: every unit waiting on it, directly or not, stops waiting at once",
  },
  args: {
    ...unitArg,
    reason: {
      type: "string",
      valueHint: "text",
      description: "Why it failed; shown by status/list and in the dependents' errors",
    },
    ...textOrJsonArgs,
    ...socketArgs,
  },
  async run({ args }) {
    checkNames(args.unit);
    const answer = await clientFor(args).fail(args.unit, args.reason);
    console.log(args.output === "json" ? JSON.stringify(answer, null, 2) : "Success");
  },
});
