import { defineCommand } from "../../lib/cli/command.ts";
import { socketArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

export default defineCommand({
  meta: { name: "complete", description: "Mark a unit completed, so the units that depend on it may start" },
  args: { ...unitArg, ...socketArgs },
  async run({ args }) {
    checkNames(args.unit);
    await clientFor(args).complete(args.unit);
    console.log("Success");
  },
});
