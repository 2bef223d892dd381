import { defineCommand } from "../../lib/cli/command.ts";
import { autostartArgs, socketArgs, textOrJsonArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "target",
    description:
      "Declare a target: a unit that completes by itself once all its members have (more may be added until then)",
  },
  args: {
    ...unitArg,
    members: {
      type: "positional",
      required: false,
      variadic: true,
      description: "Its member units (none: it completes at once, unless it already has members)",
    },
    ...textOrJsonArgs,
    ...socketArgs,
    ...autostartArgs,
  },
  async run({ args }) {
    const members = args.members ?? [];
    checkNames(args.unit, ...members);
    const answer = await clientFor(args, { autostart: true }).target(args.unit, members);
    if (args.output === "json") {
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    console.log(`Target "${answer.unit}" declared members: [${answer.members.join(", ")}]`);
    if (answer.status === "completed") console.log(`Target "${answer.unit}" completed: all its members have`);
  },
});
