import { defineCommand } from "../../lib/cli/command.ts";
import { ExitCode, UnitsyncError } from "../../lib/errors.ts";
import { describeEvent } from "../../protocol/event-text.ts";
import { socketArgs } from "../_args.ts";
import { clientFor } from "../_client.ts";

export default defineCommand({
  meta: {
    name: "events",
    description: "Print the recorded state changes; with --follow, keep printing new ones as they happen",
  },
  args: {
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing new events until Ctrl-C or until the agent stops",
    },
    output: {
      type: "enum",
      alias: "o",
      options: ["text", "json"],
      default: "text",
      description: "Text lines, or NDJSON: one event per line, the same objects as `agent --log-format json`",
    },
    ...socketArgs,
  },
  async run({ args }) {
    const client = clientFor(args);
    const json = args.output === "json";
    // Ctrl-C (or a closed stdout, as with `| head`) ends a follow cleanly: stop reading, exit 0.
    const stop = new AbortController();
    const onStop = () => stop.abort();
    process.once("SIGINT", onStop);
    process.once("SIGTERM", onStop);
    process.stdout.once("error", onStop);
    try {
      let first = true;
      for await (const { text, event } of client.events(args.follow === true, stop.signal)) {
        if (first && event.seq > 1 && !json) {
          process.stderr.write(
            `(events 1 to ${event.seq - 1} are no longer kept: the agent keeps the most recent ones)\n`,
          );
        }
        first = false;
        process.stdout.write(json ? `${text}\n` : `${event.time}  ${describeEvent(event)}\n`);
      }
      if (args.follow && !stop.signal.aborted) {
        // A stopping agent removes its socket before it ends the streams, so one that still answers
        // dropped this reader for falling too far behind.
        if (await client.answers()) {
          throw new UnitsyncError(
            "the agent dropped this event stream: the reader fell too far behind",
            ExitCode.refused,
            "dropped",
            "read the stream faster, or run `events` again (it starts with the kept history)",
          );
        }
        process.stderr.write("the agent closed the event stream (it stopped)\n");
      }
    } finally {
      process.off("SIGINT", onStop);
      process.off("SIGTERM", onStop);
      process.stdout.off("error", onStop);
    }
  },
});
