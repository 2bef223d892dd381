import { defineCommand } from "../../lib/cli/command.ts";
import { socketArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

export default defineCommand({
  meta: { name: "ping", description: "Check that the agent answers" },
  args: { ...socketArgs },
  async run({ args }) {
    await clientFor(args).ping();
    console.log("Success");
  },
});
