import { compareNames, describeFailure, evaluate, type Outcome, type Waiter } from "../graph/index.ts";
import {
  API_PREFIX,
  CompleteRequestSchema,
  FailRequestSchema,
  type ListResponse,
  type PingResponse,
  StartRequestSchema,
  type StatusResponse,
  type WaitLine,
  WaitRequestSchema,
  WantRequestSchema,
} from "../protocol/schemas.ts";
import { eventStream } from "./event-stream.ts";
import { errorResponse, HttpError, json, line, lines, readBody, requestUrl, toHttpError } from "./http.ts";
import type { AgentState, WaitEnd } from "./state.ts";
import { snapshot, statusOf, summaryOf } from "./views.ts";

type Handler = (req: Request, state: AgentState) => Response | Promise<Response>;

/** Identity the agent reports on ping. */
export interface AgentInfo {
  version: string;
  pid: number;
}

/** The HTTP handler of the agent: routes `/v1/...` requests to the graph. Never throws. */
export function createHandler(state: AgentState, info: AgentInfo): (req: Request) => Promise<Response> {
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    "/ping": {
      GET: (_req, s) => json({ agent: "unitsync", ...info, waiters: s.waits.size } satisfies PingResponse),
    },
    "/units": { GET: (_req, s) => json(registeredUnits(s)) },
    "/snapshot": { GET: (_req, s) => json(snapshot(s.graph, s.clock())) },
    "/events": { GET: (req, s) => eventStream(req, s.events) },
    "/want": { POST: want },
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
        return json(status(state, decodeURIComponent(route.slice("/units/".length))));
      }
      const methods = routes[route];
      if (!methods) throw new HttpError("not_found", `no such endpoint: ${path}`);
      const handler = methods[req.method];
      if (!handler) throw notAllowed(req, Object.keys(methods).join(", "));
      return await handler(req, state);
    } catch (error) {
      return errorResponse(toHttpError(error));
    }
  };
}

// --- internal ---

function notAllowed(req: Request, allowed: string): HttpError {
  return new HttpError("method_not_allowed", `method ${req.method} is not allowed here; use ${allowed}`);
}

function registeredUnits(state: AgentState): ListResponse {
  return state.graph
    .units()
    .filter((unit) => unit.status !== "not registered")
    .map((unit) => summaryOf(state.graph, unit));
}

function status(state: AgentState, unit: string): StatusResponse {
  if (!state.graph.has(unit)) throw new HttpError("not_registered", `unit "${unit}" is not registered`);
  return statusOf(state.graph, unit, state.clock());
}

async function want(req: Request, state: AgentState): Promise<Response> {
  const body = await readBody(req, WantRequestSchema);
  state.apply((graph, now) => graph.want(body.unit, body.depends_on, now));
  return json({ unit: body.unit, depends_on: body.depends_on });
}

async function complete(req: Request, state: AgentState): Promise<Response> {
  const { unit } = await readBody(req, CompleteRequestSchema);
  state.apply((graph, now) => graph.complete(unit, now));
  return json({ unit, status: state.graph.status(unit) });
}

async function fail(req: Request, state: AgentState): Promise<Response> {
  const { unit, reason = "" } = await readBody(req, FailRequestSchema);
  state.apply((graph, now) => graph.fail(unit, reason, now));
  return json({ unit, status: state.graph.status(unit) });
}

async function start(req: Request, state: AgentState): Promise<Response> {
  const body = await readBody(req, StartRequestSchema);
  const { unit } = body;
  if (state.graph.status(unit) === "started")
    throw new HttpError("already_started", `unit "${unit}" is already started`);
  if (body.depends_on?.length) state.apply((graph, now) => graph.want(unit, body.depends_on ?? [], now));
  state.apply((graph, now) => graph.requestStart(unit, now));

  const markStarted = (waited: boolean): WaitLine => {
    state.apply((graph, now) => graph.markStarted(unit, now));
    const dependencies = [...state.graph.dependenciesOf(unit)].sort(compareNames);
    return { type: "started", unit, dependencies, waited };
  };
  const spec = { kind: "start", unit } as const;
  const now = evaluate(state.graph, { ...spec, id: 0 });
  if (now?.kind === "dependency_failed") throw dependencyFailed(now);
  if (now?.kind === "ready") return lines(markStarted(false));

  const first: WaitLine = { type: "waiting", unmet: state.graph.unmetDependencies(unit) };
  return waitStream(
    req,
    state,
    spec,
    body.timeout_ms,
    first,
    `timeout waiting for dependencies of unit '${unit}'`,
    () => markStarted(true),
  );
}

async function wait(req: Request, state: AgentState): Promise<Response> {
  const body = await readBody(req, WaitRequestSchema);
  const spec = { kind: "complete", units: [...new Set(body.units)], any: body.any ?? false } as const;
  const now = evaluate(state.graph, { ...spec, id: 0 });
  if (now?.kind === "dependency_failed") throw dependencyFailed(now);
  if (now?.kind === "completed") return lines({ type: "completed", units: now.units });

  const unmet = spec.units.filter((unit) => state.graph.status(unit) !== "completed").sort(compareNames);
  const quoted = spec.units.map((unit) => `'${unit}'`).join(", ");
  const message = `timeout waiting for unit${spec.units.length > 1 ? "s" : ""} ${quoted}`;
  return waitStream(req, state, spec, body.timeout_ms, { type: "waiting", unmet }, message, (outcome) =>
    outcome.kind === "completed" ? { type: "completed", units: outcome.units } : unexpected(outcome),
  );
}

/**
 * Holds the request open as an NDJSON stream until the waiter resolves, the server-side timeout
 * fires, or the client goes away. A client that goes away is simply forgotten: its unit is not
 * marked started.
 */
function waitStream(
  req: Request,
  state: AgentState,
  spec: Omit<Extract<Waiter, { kind: "start" }>, "id"> | Omit<Extract<Waiter, { kind: "complete" }>, "id">,
  timeoutMs: number,
  first: WaitLine,
  timeoutMessage: string,
  onResolved: (outcome: Outcome) => WaitLine,
): Response {
  let id = 0;
  let timer: Timer | undefined;
  let open = true;
  const forget = () => {
    open = false;
    clearTimeout(timer);
    state.removeWaiter(id);
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (last: WaitLine) => {
        if (!open) return;
        forget();
        controller.enqueue(line(last));
        controller.close();
      };
      controller.enqueue(line(first));
      id = state.addWaiter(
        spec,
        (end: WaitEnd) => finish(lineFor(end, onResolved)),
        // A further "waiting" line each time the awaited set changes, for the client's live line.
        (unmet) => open && controller.enqueue(line({ type: "waiting", unmet })),
      );
      if (timeoutMs > 0) {
        timer = setTimeout(() => finish(errorLine(new HttpError("timeout", timeoutMessage))), timeoutMs);
      }
      req.signal.addEventListener("abort", forget, { once: true });
    },
    cancel: forget,
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
}

function lineFor(end: WaitEnd, onResolved: (outcome: Outcome) => WaitLine): WaitLine {
  try {
    if (end.kind === "shutdown") throw new HttpError("shutting_down", "the agent is shutting down");
    if (end.kind === "dependency_failed") throw dependencyFailed(end);
    return onResolved(end);
  } catch (error) {
    return errorLine(toHttpError(error));
  }
}

function errorLine(error: HttpError): WaitLine {
  return { type: "error", error: error.body().error };
}

function dependencyFailed(outcome: Extract<Outcome, { kind: "dependency_failed" }>): HttpError {
  const message = outcome.failures
    .map((failure) => `dependency failed: ${describeFailure(failure)}`)
    .join("; ");
  return new HttpError("dependency_failed", message, outcome.failures);
}

function unexpected(outcome: Outcome): never {
  throw new HttpError("internal", `unexpected wait outcome: ${outcome.kind}`);
}
