import { defineCommand } from "../../lib/cli/command.ts";
import { OkResponseSchema } from "../../protocol/responses.ts";
import { MAX_REASON_LENGTH } from "../../protocol/wire.ts";
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
    const body = { unit: args.unit, ...(args.reason && { reason: clip(args.reason) }) };
    const answer = await clientFor(args).post("/fail", body, OkResponseSchema);
    console.log(args.output === "json" ? JSON.stringify(answer, null, 2) : "Success");
  },
});

// --- internal ---

/**
 * A script reporting its own failure must not be refused over a long reason (a whole stderr dump,
 * say): keep the start, which usually says what went wrong, and mark the cut.
 */
function clip(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
