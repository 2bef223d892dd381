import type * as v from "valibot";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { oneLine } from "../lib/one-line.ts";
import { bodyLines } from "../lib/unix-http.ts";
import type { StartRequest, WaitRequest } from "../protocol/requests.ts";
import {
  type ListResponse,
  ListResponseSchema,
  type OkResponse,
  OkResponseSchema,
  type PingResponse,
  PingResponseSchema,
  type StatusResponse,
  StatusResponseSchema,
  type TargetResponse,
  TargetResponseSchema,
  type WantResponse,
  WantResponseSchema,
} from "../protocol/responses.ts";
import type { Event, SnapshotResponse } from "../protocol/snapshot-events.ts";
import {
  API_PREFIX,
  type ErrorBody,
  ErrorBodySchema,
  type ErrorCode,
  MAX_REASON_LENGTH,
  parseWith,
  type WaitLine,
  WaitLineSchema,
} from "../protocol/wire.ts";
import { answerTimeoutMs, Exchange } from "./exchange.ts";
import { socketProblem } from "./socket-trust.ts";
import { connectFailure, unreachable } from "./unreachable.ts";

/** A line of a `start` stream before its end: still waiting, or started. */
export type StartLine = Extract<WaitLine, { type: "waiting" | "started" }>;
/** A line of a `wait` stream before its end: still waiting, or completed. */
export type WaitProgress = Extract<WaitLine, { type: "waiting" | "completed" }>;
/** One recorded event, with the exact text the agent sent (so `-o json` passes it through byte for byte). */
export interface EventLine {
  text: string;
  event: Event;
}

/** When a call must be over (epoch ms), and what it says when it is not. */
interface Deadline {
  at: number;
  message: string;
}

/** What bounds a recovery: the call's deadline (epoch ms) and the caller's cancellation. */
export interface RecoveryBounds {
  deadline?: number;
  signal?: AbortSignal;
}

/** Options of a client. */
export interface ClientOptions {
  /**
   * Called once when a request finds nobody answering at the socket (an "unreachable" error, before
   * any answer): it either makes an agent answer (then the request is sent again) or throws.
   */
  recover?: (error: UnitsyncError, bounds: RecoveryBounds) => Promise<void>;
  /** The user named the socket path: an agent sharing it through a group may be another user's. */
  shared?: boolean;
}

/** Exit code for each error the agent can answer with; anything not listed is a refusal (1). */
const EXIT_FOR: Partial<Record<ErrorCode, number>> = {
  dependency_failed: ExitCode.dependencyFailed,
  timeout: ExitCode.timeout,
  shutting_down: ExitCode.unreachable,
  store_unavailable: ExitCode.unreachable,
  busy: ExitCode.unreachable,
};

/**
 * Talks to the agent over its unix socket: one method per endpoint, one HTTP request per call. This
 * is the only module that names the agent's paths and response schemas; a command calls a method
 * and never sees HTTP. Schemas only some verbs read (the views') are loaded by those methods.
 */
export class AgentClient {
  #recover: ClientOptions["recover"];
  #answerMs: number | undefined;
  #trusted = false;
  readonly #shared: boolean;

  constructor(
    readonly socketPath: string,
    options: ClientOptions = {},
  ) {
    this.#recover = options.recover;
    this.#shared = options.shared ?? false;
  }

  /** GET /ping: the agent's identity and how many clients wait. */
  ping(): Promise<PingResponse> {
    return this.#json("GET", "/ping", undefined, PingResponseSchema);
  }

  /**
   * POST /want: declares that `unit` depends on `dependsOn` (all of them or none); with
   * `requiredStatus` "started", each is satisfied once it has started.
   */
  want(unit: string, dependsOn: string[], requiredStatus?: "completed" | "started"): Promise<WantResponse> {
    const body = { unit, depends_on: dependsOn, ...(requiredStatus && { required_status: requiredStatus }) };
    return this.#json("POST", "/want", body, WantResponseSchema);
  }

  /** POST /target: declares `unit` a target of `members` (it completes once they all have). */
  target(unit: string, members: string[]): Promise<TargetResponse> {
    return this.#json("POST", "/target", { unit, members }, TargetResponseSchema);
  }

  /**
   * POST /start: yields "waiting" lines while the unit waits, then "started". An error the agent ends
   * the wait with (dependency failed, timeout, ...) is thrown. Breaking out of the loop, or `signal`,
   * closes the connection, which makes the agent drop the wait.
   */
  start(request: StartRequest, signal?: AbortSignal): AsyncGenerator<StartLine> {
    const message = `timeout waiting for dependencies of unit '${request.unit}'`;
    return this.#stream("/start", request, signal, deadlineOf(request, message)) as AsyncGenerator<StartLine>;
  }

  /** POST /complete: marks `unit` completed. */
  complete(unit: string, signal?: AbortSignal): Promise<OkResponse> {
    return this.#json("POST", "/complete", { unit }, OkResponseSchema, signal);
  }

  /**
   * POST /fail: marks `unit` failed. A reason over the wire's limit (a whole stderr dump, say) is
   * cut, keeping its start, which usually says what went wrong, and marking the cut: a script
   * reporting its own failure must not be refused over it.
   */
  fail(unit: string, reason?: string, signal?: AbortSignal): Promise<OkResponse> {
    const body = { unit, ...(reason && { reason: clip(reason) }) };
    return this.#json("POST", "/fail", body, OkResponseSchema, signal);
  }

  /** GET /units/<unit>: a unit's status and dependencies. */
  status(unit: string): Promise<StatusResponse> {
    return this.#json("GET", `/units/${encodeURIComponent(unit)}`, undefined, StatusResponseSchema);
  }

  /** GET /units: every unit, sorted by name. */
  list(): Promise<ListResponse> {
    return this.#json("GET", "/units", undefined, ListResponseSchema);
  }

  /** GET /snapshot: every unit with its edges and times, for the graph and timeline views. */
  async snapshot(): Promise<SnapshotResponse> {
    const { SnapshotResponseSchema } = await import("../protocol/snapshot-events.ts");
    return this.#json("GET", "/snapshot", undefined, SnapshotResponseSchema);
  }

  /** POST /wait: yields "waiting" lines, then "completed"; errors as for `start`. */
  wait(request: WaitRequest, signal?: AbortSignal): AsyncGenerator<WaitProgress> {
    const units = [...new Set(request.units)];
    const message = `timeout waiting for unit${units.length > 1 ? "s" : ""} ${units.map((unit) => `'${unit}'`).join(", ")}`;
    return this.#stream(
      "/wait",
      request,
      signal,
      deadlineOf(request, message),
    ) as AsyncGenerator<WaitProgress>;
  }

  /**
   * GET /events: the kept events, then (with `follow`) new ones as they happen, until the agent ends
   * the stream. Ends quietly when `signal` aborts. A follow may stay silent for as long as nothing
   * happens (and Bun sends no headers before the first line), so the agent is first asked to answer
   * a ping within the answer deadline.
   */
  async *events(follow: boolean, signal: AbortSignal): AsyncGenerator<EventLine> {
    const { EventSchema } = await import("../protocol/snapshot-events.ts");
    if (follow) await this.ping();
    const ex = this.#exchange({ signal, answerMs: follow ? Number.POSITIVE_INFINITY : undefined });
    const lost = (error: unknown) =>
      new UnitsyncError(
        `lost the connection to the unitsync agent at ${this.socketPath}: ${describeLoss(error)}`,
        ExitCode.unreachable,
        "unreachable",
      );
    try {
      const res = await this.#send(ex, "GET", `/events${follow ? "?follow=1" : ""}`);
      if (!res.ok) throw await this.#errorOf(res, ex);
      ex.answered();
      for await (const text of bodyLines(res.body ?? [])) {
        const parsed = parseWith(EventSchema, safeJson(text));
        if (!parsed.ok) throw this.#protocolError(`bad event from the agent: ${parsed.message}`);
        yield { text, event: parsed.value };
      }
    } catch (error) {
      if (signal.aborted) return;
      throw ex.failure(error, lost);
    } finally {
      ex.close();
    }
  }

  /** Whether a unitsync agent answers at the socket right now (never throws). */
  async answers(): Promise<boolean> {
    const { probeSocket } = await import("../protocol/agent-probe.ts");
    return (await probeSocket(this.socketPath)) === "unitsync";
  }

  // --- internal ---

  /** Sends one request and validates its JSON answer; a request that reached nobody may be recovered once. */
  async #json<S extends v.GenericSchema>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
    signal?: AbortSignal,
  ): Promise<v.InferOutput<S>> {
    const attempt = async () => {
      const ex = this.#exchange({ signal });
      try {
        const res = await this.#send(ex, method, path, body);
        if (!res.ok) throw await this.#errorOf(res, ex);
        const parsed = parseWith(schema, await readJson(res, ex));
        if (!parsed.ok) throw this.#protocolError(`unexpected answer from the agent: ${parsed.message}`);
        return parsed.value;
      } catch (error) {
        throw ex.failure(error, (cause) => unreachable(this.socketPath, cause));
      } finally {
        ex.close();
      }
    };
    try {
      return await attempt();
    } catch (error) {
      await this.#recovered(error, { signal });
      return attempt();
    }
  }

  /**
   * POSTs to a waiting endpoint and yields its NDJSON lines as they arrive; the last line is thrown
   * as a UnitsyncError if it is an error. Sent again after a recovery only if nothing was answered:
   * once the agent has answered, the request reached it, and sending it again could act twice.
   * With a deadline, each attempt asks the agent for the time that is left of it.
   */
  async *#stream<R extends { timeout_ms: number }>(
    path: string,
    request: R,
    signal: AbortSignal | undefined,
    deadline: Deadline | undefined,
  ): AsyncGenerator<Exclude<WaitLine, { type: "error" }>> {
    const body = () =>
      deadline ? { ...request, timeout_ms: Math.max(1, Math.ceil(deadline.at - Date.now())) } : request;
    let answered = false;
    try {
      for await (const line of this.#lines(path, body(), signal, deadline)) {
        answered = true;
        yield line;
      }
      return;
    } catch (error) {
      if (answered) throw error;
      await this.#recovered(error, { signal, deadline: deadline?.at });
    }
    yield* this.#lines(path, body(), signal, deadline);
  }

  async *#lines(
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    deadline: Deadline | undefined,
  ): AsyncGenerator<Exclude<WaitLine, { type: "error" }>> {
    const ex = this.#exchange({ signal, deadline });
    try {
      const res = await this.#send(ex, "POST", path, body);
      if (!res.ok) throw await this.#errorOf(res, ex);
      let answered = false;
      for await (const text of bodyLines(res.body ?? [])) {
        ex.answered();
        const parsed = parseWith(WaitLineSchema, safeJson(text));
        if (!parsed.ok) throw this.#protocolError(`bad line from the agent: ${parsed.message}`);
        if (parsed.value.type === "error") throw errorFromBody({ error: parsed.value.error });
        if (parsed.value.type !== "waiting") {
          answered = true;
          ex.settled();
        }
        yield parsed.value;
      }
      if (!answered) {
        throw new UnitsyncError(
          `the unitsync agent at ${this.socketPath} closed the connection before answering (did it stop?)`,
          ExitCode.unreachable,
          "unreachable",
        );
      }
    } catch (error) {
      throw ex.failure(error, (cause) => unreachable(this.socketPath, cause));
    } finally {
      ex.close();
    }
  }

  /** Lets the recovery hook make an agent answer after `error`, once; otherwise rethrows `error`. */
  async #recovered(error: unknown, bounds: RecoveryBounds): Promise<void> {
    const recover = this.#recover;
    if (!recover || !(error instanceof UnitsyncError) || error.code !== "unreachable") throw error;
    this.#recover = undefined;
    await recover(error, bounds);
  }

  #exchange(options: { signal?: AbortSignal; deadline?: Deadline; answerMs?: number }): Exchange {
    this.#answerMs ??= answerTimeoutMs();
    return new Exchange(this.socketPath, { ...options, answerMs: options.answerMs ?? this.#answerMs });
  }

  /**
   * Sends the request of `ex`. The socket is checked (socket-trust.ts) while the request is on its
   * way, and before any answer is believed: a socket that fails the check is refused whatever it says.
   */
  async #send(ex: Exchange, method: string, path: string, body?: unknown): Promise<Response> {
    const sent = ex.send(method, `http://unitsync${API_PREFIX}${path}`, body);
    // Handled below; without this, a quick refusal would count as unhandled while the check loads.
    sent.catch(() => {});
    if (!this.#trusted) {
      const problem = await socketProblem(this.socketPath, this.#shared);
      if (problem) throw problem;
      this.#trusted = true;
    }
    try {
      return await sent;
    } catch (error) {
      if (ex.aborted) throw error;
      throw await connectFailure(this.socketPath, error);
    }
  }

  async #errorOf(res: Response, ex: Exchange): Promise<UnitsyncError> {
    const parsed = parseWith(ErrorBodySchema, await readJson(res, ex));
    if (!parsed.ok) return this.#protocolError(`unexpected answer from the agent (HTTP ${res.status})`);
    return errorFromBody(parsed.value);
  }

  #protocolError(message: string): UnitsyncError {
    return new UnitsyncError(
      `${message}; is ${this.socketPath} a unitsync agent of the same version?`,
      ExitCode.unreachable,
      "protocol",
    );
  }
}

// --- internal ---

/** The deadline of a waiting request: its `timeout_ms` from now; none for 0 (wait forever). */
function deadlineOf(request: { timeout_ms: number }, message: string): Deadline | undefined {
  return request.timeout_ms > 0 ? { at: Date.now() + request.timeout_ms, message } : undefined;
}

/** The agent's error as ours; its message is printed as one line (it may quote a failure reason). */
function errorFromBody({ error }: ErrorBody): UnitsyncError {
  return new UnitsyncError(oneLine(error.message), EXIT_FOR[error.code] ?? ExitCode.refused, error.code);
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** The JSON body, or undefined when it is not JSON; a body cut short by a deadline is thrown. */
async function readJson(res: Response, ex: Exchange): Promise<unknown> {
  try {
    return await res.json();
  } catch (error) {
    if (ex.aborted) throw error;
    return undefined;
  }
}

/** A lost connection in our words (never the runtime's). */
function describeLoss(error: unknown): string {
  const code = String((error as { code?: unknown } | undefined)?.code ?? "");
  return code === "ECONNRESET" || code === "ConnectionClosed"
    ? "the connection was closed"
    : code || "unknown error";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
