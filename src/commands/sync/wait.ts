import { ProgressLine, ProgressLog } from "../../client/progress.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { parseDuration } from "../../lib/duration.ts";
import { printLine } from "../../lib/stderr.ts";
import { autostartArgs, progressArgs, socketArgs, textOrJsonArgs } from "../_args.ts";
import { checkNames, clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "wait",
    description:
      "Block until units complete (all of them, or with --any the first), without registering anything",
  },
  args: {
    unit: {
      type: "positional",
      required: true,
      variadic: true,
      description: "Units to wait for (one or more)",
    },
    any: { type: "boolean", description: "Return as soon as one of the units completes" },
    timeout: {
      type: "string",
      default: "5m",
      valueHint: "duration",
      description: "How long to wait, as a Go duration (90s, 5m, 1h30m); 0 waits forever",
    },
    ...progressArgs,
    ...textOrJsonArgs,
    ...socketArgs,
    ...autostartArgs,
  },
  async run({ args }) {
    const units = args.unit;
    checkNames(...units);
    const request = { units, any: Boolean(args.any), timeout_ms: parseDuration(args.timeout) };
    const progressMs = parseDuration(args["progress-interval"]);
    const client = clientFor(args, { autostart: true });
    let waiting = false;
    let progress: ProgressLine | undefined;
    let log: ProgressLog | undefined;
    try {
      for await (const line of client.wait(request)) {
        if (line.type === "waiting") {
          if (waiting) {
            progress?.update(line.unmet);
            log?.update(line.unmet);
            continue;
          }
          waiting = true;
          // The human side goes to stderr: stdout carries only the answer, for scripts.
          const which = args.any ? "any of " : "";
          printLine(`Waiting for ${which}[${line.unmet.join(", ")}] to complete`);
          progress = ProgressLine.start("", line.unmet);
          log = ProgressLog.start("", line.unmet, progressMs, (unit) => client.status(unit));
        } else if (line.type === "completed") {
          progress?.stop();
          log?.stop();
          console.log(
            args.output === "json"
              ? JSON.stringify({ completed: line.units }, null, 2)
              : `Units completed: [${line.units.join(", ")}]`,
          );
        }
      }
    } finally {
      progress?.stop();
      log?.stop();
    }
  },
});
