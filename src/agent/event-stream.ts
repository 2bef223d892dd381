import type { Event } from "../protocol/schemas.ts";
import type { EventLog } from "./events.ts";
import { HttpError } from "./http.ts";

/**
 * Most events queued for one follower that does not read; past it the follower is dropped (its
 * stream ends) rather than letting the agent's memory grow without bound.
 */
export const MAX_FOLLOWER_BACKLOG = 10_000;

/**
 * GET /v1/events[?follow=1][&since=SEQ]: the kept events after `since`, as NDJSON (one Event per
 * line, the same JSON as the agent's `--log-format json` log). With `follow`, the stream then stays
 * open and carries each new event as it is recorded, until the client goes away or the agent stops.
 */
export function eventStream(req: Request, log: EventLog): Response {
  const params = new URL(req.url).searchParams;
  const follow = flag(params.get("follow"));
  const since = sequence(params.get("since"));
  const headers = { "content-type": "application/x-ndjson" };
  // History and subscription are taken in the same tick, so no event is missed or sent twice.
  const history = log.history().filter((event) => event.seq > since);
  if (!follow || log.closed) return new Response(ndjson(history), { headers });

  let unsubscribe = () => {};
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const end = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        controller.close();
      };
      if (history.length > 0) controller.enqueue(encoder.encode(ndjson(history)));
      unsubscribe = log.subscribe((event) => {
        if (!open) return;
        if ((controller.desiredSize ?? 0) < -MAX_FOLLOWER_BACKLOG) return end();
        controller.enqueue(encoder.encode(ndjson([event])));
      }, end);
      req.signal.addEventListener("abort", end, { once: true });
    },
    cancel: () => unsubscribe(),
  });
  return new Response(stream, { headers });
}

// --- internal ---

function ndjson(events: readonly Event[]): string {
  let text = "";
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}

function flag(value: string | null): boolean {
  if (value === null) return false;
  if (["", "1", "true"].includes(value)) return true;
  if (["0", "false"].includes(value)) return false;
  throw new HttpError("bad_request", `invalid follow=${value}; use follow=1`);
}

function sequence(value: string | null): number {
  if (value === null) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new HttpError("bad_request", `invalid since=${value}; use an event's seq (a whole number)`);
  }
  return n;
}
