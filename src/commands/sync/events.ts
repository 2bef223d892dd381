import { describeEvent } from "../../agent/log.ts";
import { unreachable } from "../../client/client.ts";
import { defineCommand } from "../../lib/cli/command.ts";
import { ExitCode, UnitsyncError } from "../../lib/errors.ts";
import { resolveSocketPath } from "../../lib/paths.ts";
import { type Event, EventSchema } from "../../protocol/views.ts";
import { API_PREFIX, ErrorBodySchema, parseWith } from "../../protocol/wire.ts";
import { socketArgs } from "../_args.ts";

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
    const socketPath = resolveSocketPath(args["socket-path"]);
    const json = args.output === "json";
    // Ctrl-C (or a closed stdout, as with `| head`) ends a follow cleanly: stop reading, exit 0.
    const stop = new AbortController();
    const onStop = () => stop.abort();
    process.once("SIGINT", onStop);
    process.once("SIGTERM", onStop);
    process.stdout.once("error", onStop);
    try {
      let first = true;
      for await (const { text, event } of readEvents(socketPath, args.follow === true, stop.signal)) {
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
        if (await answers(socketPath)) {
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

// --- internal ---

/**
 * GET /v1/events as validated lines, each with its exact text (so `-o json` passes the agent's
 * JSON through byte for byte). Ends quietly when `signal` aborts.
 */
async function* readEvents(
  socketPath: string,
  follow: boolean,
  signal: AbortSignal,
): AsyncGenerator<{ text: string; event: Event }> {
  let res: Response;
  try {
    res = await fetch(`http://unitsync${API_PREFIX}/events${follow ? "?follow=1" : ""}`, {
      unix: socketPath,
      // Never route the local socket through an HTTP proxy from the environment.
      proxy: false as unknown as string,
      // A follow is held open for as long as the agent runs.
      timeout: false,
      signal,
    });
  } catch (error) {
    if (signal.aborted) return;
    throw unreachable(socketPath, error);
  }
  if (!res.ok) {
    const body = parseWith(ErrorBodySchema, await res.json().catch(() => undefined));
    throw body.ok
      ? new UnitsyncError(body.value.error.message, ExitCode.refused, body.value.error.code)
      : protocolError(socketPath, `unexpected answer from the agent (HTTP ${res.status})`);
  }
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for await (const chunk of res.body ?? []) {
      buffered += decoder.decode(chunk, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const text of lines) {
        if (!text) continue;
        const parsed = parseWith(EventSchema, safeJson(text));
        if (!parsed.ok) throw protocolError(socketPath, `bad event from the agent: ${parsed.message}`);
        yield { text, event: parsed.value };
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof UnitsyncError) throw error;
    throw new UnitsyncError(
      `lost the connection to the unitsync agent at ${socketPath}: ${(error as Error).message}`,
      ExitCode.unreachable,
      "unreachable",
    );
  }
}

/** Whether an agent answers a ping on the socket now. */
async function answers(socketPath: string): Promise<boolean> {
  try {
    const res = await fetch(`http://unitsync${API_PREFIX}/ping`, {
      unix: socketPath,
      proxy: false as unknown as string,
    });
    return res.ok;
  } catch {
    return false;
  }
}

function protocolError(socketPath: string, message: string): UnitsyncError {
  return new UnitsyncError(
    `${message}; is ${socketPath} a unitsync agent of the same version?`,
    ExitCode.unreachable,
    "protocol",
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
