import { defineCommand } from "../../lib/cli/command.ts";
import { autostartArgs, socketArgs, unitArg } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

export default defineCommand({
  meta: { name: "want", description: "Declare that a unit depends on other units (all at once, or none)" },
  args: {
    ...unitArg,
    "depends-on": {
      type: "positional",
      required: true,
      variadic: true,
      description: "Units it depends on (one or more)",
    },
    ...socketArgs,
    ...autostartArgs,
  },
  async run({ args }) {
    const deps = args["depends-on"];
    checkNames(args.unit, ...deps);
    await clientFor(args, { autostart: true }).want(args.unit, deps);
    console.log(`Unit "${args.unit}" declared dependencies: [${deps.join(", ")}]`);
  },
});
