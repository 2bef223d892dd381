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
    "required-status": {
      type: "enum",
      options: ["completed", "started"],
      default: "completed",
      description:
        "What each dependency must reach: completed (Coder's only value), or started (running or completed; a failure still fails the unit)",
    },
    ...socketArgs,
    ...autostartArgs,
  },
  async run({ args }) {
    const deps = args["depends-on"];
    checkNames(args.unit, ...deps);
    // Only a non-default status goes on the wire, so a plain `want` is the request it always was.
    const required = args["required-status"] === "started" ? "started" : undefined;
    await clientFor(args, { autostart: true }).want(args.unit, deps, required);
    console.log(`Unit "${args.unit}" declared dependencies: [${deps.join(", ")}]`);
  },
});
