import { defineCommand } from "../../lib/cli/command.ts";
import { PingResponseSchema } from "../../protocol/responses.ts";
import { socketArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

export default defineCommand({
  meta: { name: "ping", description: "Check that the agent answers" },
  args: { ...socketArgs },
  async run({ args }) {
    await clientFor(args).get("/ping", PingResponseSchema);
    console.log("Success");
  },
});
