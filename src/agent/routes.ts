// From the protocol's own modules, not schemas.ts: that one also loads the views' schemas
// (snapshot-events.ts), built when their module loads, which an agent never parses with.
import {
  CompleteRequestSchema,
  FailRequestSchema,
  StartRequestSchema,
  TargetRequestSchema,
  WaitRequestSchema,
  WantRequestSchema,
} from "../protocol/requests.ts";
import type { PingResponse, TargetResponse } from "../protocol/responses.ts";
import { API_PREFIX, type WaitLine } from "../protocol/wire.ts";
import { eventStream } from "./event-stream.ts";
import {
  errorResponse,
  HttpError,
  json,
  jsonBytes,
  line,
  lines,
  readBody,
  requestUrl,
  toHttpError,
} from "./http.ts";
import { type Answer, holdStarted, type Units } from "./units.ts";

type Handler = (req: Request, units: Units) => Response | Promise<Response>;

/** Identity the agent reports on ping. */
export interface AgentInfo {
  version: string;
  pid: number;
}

/**
 * The HTTP handler of the agent: decodes `/v1/...` requests, calls the unit operations, encodes
 * their answers. No rule about units lives here. Never throws.
 */
export function createHandler(units: Units, info: AgentInfo): (req: Request) => Promise<Response> {
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    "/ping": {
      GET: async (_req, u) =>
        json({ agent: "unitsync", ...info, ...(await u.info()) } satisfies PingResponse),
    },
    "/units": { GET: async (_req, u) => (u.listJson ? jsonBytes(await u.listJson()) : json(await u.list())) },
    "/snapshot": {
      GET: async (_req, u) => (u.snapshotJson ? jsonBytes(await u.snapshotJson()) : json(await u.snapshot())),
    },
    "/events": { GET: (req, u) => eventStream(req, u.events) },
    "/want": { POST: want },
    "/target": { POST: target },
    "/start": { POST: start },
    "/complete": { POST: complete },
    "/fail": { POST: fail },
    "/wait": { POST: wait },
  };

  return async (req) => {
    try {
      const path = requestUrl(req).pathname;
      if (!path.startsWith(`${API_PREFIX}/`)) throw new HttpError("not_found", `no such endpoint: ${path}`);
      const route = path.slice(API_PREFIX.length);
      if (route.startsWith("/units/")) {
        if (req.method !== "GET") throw notAllowed(req, "GET");
        return json(await units.status(decodeURIComponent(route.slice("/units/".length))));
      }
      const methods = routes[route];
      if (!methods) throw new HttpError("not_found", `no such endpoint: ${path}`);
      const handler = methods[req.method];
      if (!handler) throw notAllowed(req, Object.keys(methods).join(", "));
      return await handler(req, units);
    } catch (error) {
      return errorResponse(toHttpError(error));
    }
  };
}

// --- internal ---

function notAllowed(req: Request, allowed: string): HttpError {
  return new HttpError("method_not_allowed", `method ${req.method} is not allowed here; use ${allowed}`);
}

async function want(req: Request, units: Units): Promise<Response> {
  const body = await readBody(req, WantRequestSchema);
  await units.want(body.unit, body.depends_on, body.required_status);
  return json({
    unit: body.unit,
    depends_on: body.depends_on,
    ...(body.required_status && { required_status: body.required_status }),
  });
}

async function target(req: Request, units: Units): Promise<Response> {
  const { unit, members } = await readBody(req, TargetRequestSchema);
  const state = await units.target(unit, members);
  return json({ unit, ...state } satisfies TargetResponse);
}

async function complete(req: Request, units: Units): Promise<Response> {
  const { unit } = await readBody(req, CompleteRequestSchema);
  return json({ unit, status: await units.complete(unit) });
}

async function fail(req: Request, units: Units): Promise<Response> {
  const { unit, reason = "" } = await readBody(req, FailRequestSchema);
  return json({ unit, status: await units.fail(unit, reason) });
}

async function start(req: Request, units: Units): Promise<Response> {
  const body = await readBody(req, StartRequestSchema);
  return held(
    req,
    (wait) =>
      units.start({ unit: body.unit, dependsOn: body.depends_on, timeoutMs: body.timeout_ms, ...wait }),
    ({ unit, dependencies, waited }) => ({ type: "started", unit, dependencies, waited }),
    // With `hold` (what `run` sends), the answer stays open while the unit runs: the connection is
    // the lease that fails the unit if its wrapper goes away.
    body.hold ? (started, gone) => holdStarted(units, started.unit, gone) : undefined,
  );
}

async function wait(req: Request, units: Units): Promise<Response> {
  const body = await readBody(req, WaitRequestSchema);
  return held(
    req,
    (wait) => units.waitFor({ units: body.units, any: body.any, timeoutMs: body.timeout_ms, ...wait }),
    (completed) => ({ type: "completed", units: completed }),
  );
}

/**
 * Answers a call that may wait. Answered at once: one final line (or, refused at once, a plain
 * error response). Otherwise the request is held open as an NDJSON stream: a "waiting" line now,
 * another each time the awaited set changes, then the final line. A client that goes away is
 * simply forgotten: its wait is dropped and nothing is marked. With `keep`, the stream stays open
 * after the final line until `keep`'s promise settles (`gone` tells it the client went away).
 */
async function held<T>(
  req: Request,
  call: (wait: {
    signal: AbortSignal;
    onProgress: (unmet: string[]) => void;
  }) => Answer<T> | Promise<Answer<T>>,
  final: (value: T) => WaitLine,
  keep?: (value: T, gone: AbortSignal) => Promise<void>,
): Promise<Response> {
  const gone = new AbortController();
  req.signal.addEventListener("abort", () => gone.abort(), { once: true });
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const called = call({
    signal: gone.signal,
    // A further "waiting" line each time the awaited set changes, for the client's live line.
    onProgress: (unmet) => open && controller?.enqueue(line({ type: "waiting", unmet })),
  });
  // Not `await` on a plain answer: a tick in between could let a change slip past the first line.
  const answer = called instanceof Promise ? await called : called;
  if (answer.kind === "done" && !keep) return lines(final(answer.value));

  const close = () => {
    if (!open) return;
    open = false;
    controller?.close();
  };
  const finish = (last: WaitLine, value?: T) => {
    if (!open) return;
    controller?.enqueue(line(last));
    if (keep && value !== undefined) keep(value, gone.signal).then(close, close);
    else close();
  };
  const ended = answer.kind === "done" ? Promise.resolve(answer.value) : answer.end;
  ended.then(
    (value) => finish(final(value), value),
    (error) => finish({ type: "error", error: toHttpError(error).body().error }),
  );
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (answer.kind === "waiting") controller.enqueue(line({ type: "waiting", unmet: answer.unmet }));
    },
    cancel: () => {
      open = false;
      gone.abort();
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
}
