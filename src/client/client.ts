import type * as v from "valibot";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import { bodyLines, unixFetch } from "../lib/unix-http.ts";
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

/** A line of a `start` stream before its end: still waiting, or started. */
export type StartLine = Extract<WaitLine, { type: "waiting" | "started" }>;
/** A line of a `wait` stream before its end: still waiting, or completed. */
export type WaitProgress = Extract<WaitLine, { type: "waiting" | "completed" }>;
/** One recorded event, with the exact text the agent sent (so `-o json` passes it through byte for byte). */
export interface EventLine {
  text: string;
  event: Event;
}

/** Options of a client. */
export interface ClientOptions {
  /**
   * Called once when a request finds nobody answering at the socket (an "unreachable" error, before
   * any answer): it either makes an agent answer (then the request is sent again) or throws.
   */
  recover?: (error: UnitsyncError) => Promise<void>;
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

  constructor(
    readonly socketPath: string,
    options: ClientOptions = {},
  ) {
    this.#recover = options.recover;
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
    return this.#stream("/start", request, signal) as AsyncGenerator<StartLine>;
  }

  /** POST /complete: marks `unit` completed. */
  complete(unit: string): Promise<OkResponse> {
    return this.#json("POST", "/complete", { unit }, OkResponseSchema);
  }

  /**
   * POST /fail: marks `unit` failed. A reason over the wire's limit (a whole stderr dump, say) is
   * cut, keeping its start, which usually says what went wrong, and marking the cut: a script
   * reporting its own failure must not be refused over it.
   */
  fail(unit: string, reason?: string): Promise<OkResponse> {
    const body = { unit, ...(reason && { reason: clip(reason) }) };
    return this.#json("POST", "/fail", body, OkResponseSchema);
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
    return this.#stream("/wait", request, signal) as AsyncGenerator<WaitProgress>;
  }

  /**
   * GET /events: the kept events, then (with `follow`) new ones as they happen, until the agent ends
   * the stream. Ends quietly when `signal` aborts.
   */
  async *events(follow: boolean, signal: AbortSignal): AsyncGenerator<EventLine> {
    const { EventSchema } = await import("../protocol/snapshot-events.ts");
    let res: Response;
    try {
      res = await this.#fetch("GET", `/events${follow ? "?follow=1" : ""}`, undefined, signal);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (!res.ok) throw await this.#errorOf(res);
    try {
      const lost = (error: unknown) =>
        new UnitsyncError(
          `lost the connection to the unitsync agent at ${this.socketPath}: ${(error as Error).message}`,
          ExitCode.unreachable,
          "unreachable",
        );
      for await (const text of bodyLines(this.#chunks(res, lost))) {
        const parsed = parseWith(EventSchema, safeJson(text));
        if (!parsed.ok) throw this.#protocolError(`bad event from the agent: ${parsed.message}`);
        yield { text, event: parsed.value };
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
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
  ): Promise<v.InferOutput<S>> {
    const attempt = async () => {
      const res = await this.#fetch(method, path, body);
      if (!res.ok) throw await this.#errorOf(res);
      const parsed = parseWith(schema, await res.json().catch(() => undefined));
      if (!parsed.ok) throw this.#protocolError(`unexpected answer from the agent: ${parsed.message}`);
      return parsed.value;
    };
    try {
      return await attempt();
    } catch (error) {
      await this.#recovered(error);
      return attempt();
    }
  }

  /**
   * POSTs to a waiting endpoint and yields its NDJSON lines as they arrive; the last line is thrown
   * as a UnitsyncError if it is an error. Sent again after a recovery only if nothing was answered:
   * once the agent has answered, the request reached it, and sending it again could act twice.
   */
  async *#stream(
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): AsyncGenerator<Exclude<WaitLine, { type: "error" }>> {
    let answered = false;
    try {
      for await (const line of this.#lines(path, body, signal)) {
        answered = true;
        yield line;
      }
      return;
    } catch (error) {
      if (answered) throw error;
      await this.#recovered(error);
    }
    yield* this.#lines(path, body, signal);
  }

  async *#lines(
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): AsyncGenerator<Exclude<WaitLine, { type: "error" }>> {
    const res = await this.#fetch("POST", path, body, signal);
    if (!res.ok) throw await this.#errorOf(res);
    let answered = false;
    for await (const text of bodyLines(this.#chunks(res))) {
      const parsed = parseWith(WaitLineSchema, safeJson(text));
      if (!parsed.ok) throw this.#protocolError(`bad line from the agent: ${parsed.message}`);
      if (parsed.value.type === "error") throw errorFromBody({ error: parsed.value.error });
      answered ||= parsed.value.type !== "waiting";
      yield parsed.value;
    }
    if (!answered) {
      throw new UnitsyncError(
        `the unitsync agent at ${this.socketPath} closed the connection before answering (did it stop?)`,
        ExitCode.unreachable,
        "unreachable",
      );
    }
  }

  /** Lets the recovery hook make an agent answer after `error`, once; otherwise rethrows `error`. */
  async #recovered(error: unknown): Promise<void> {
    const recover = this.#recover;
    if (!recover || !(error instanceof UnitsyncError) || error.code !== "unreachable") throw error;
    this.#recover = undefined;
    await recover(error);
  }

  /** The response body's chunks; a connection lost midway is the agent becoming unreachable. */
  async *#chunks(
    res: Response,
    lost = (error: unknown) => unreachable(this.socketPath, error),
  ): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of res.body ?? []) yield chunk;
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw lost(error);
    }
  }

  async #fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await unixFetch(this.socketPath, `http://unitsync${API_PREFIX}${path}`, {
        method,
        // Long waits are bounded by the agent's own timeout, not by the HTTP client's idle timer.
        timeout: false,
        signal,
        ...(body !== undefined && {
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        }),
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw unreachable(this.socketPath, error);
    }
  }

  async #errorOf(res: Response): Promise<UnitsyncError> {
    const parsed = parseWith(ErrorBodySchema, await res.json().catch(() => undefined));
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

/** The error for a socket nobody answers on, naming the path and how to start an agent there. */
export function unreachable(socketPath: string, cause: unknown): UnitsyncError {
  const code = (cause as { code?: string }).code ?? "";
  const why =
    code === "ENOENT" || code === "FailedToOpenSocket"
      ? "no socket there"
      : code === "ECONNREFUSED" || code === "ConnectionRefused"
        ? "connection refused (the agent has stopped; the socket is stale)"
        : code === "ECONNRESET" || code === "ConnectionClosed"
          ? "the connection was closed before the agent answered (did it stop?)"
          : code === "EACCES"
            ? "permission denied (the socket belongs to another user)"
            : (cause as Error).message || code || "unknown error";
  return new UnitsyncError(
    `cannot reach the unitsync agent at ${socketPath}: ${why}`,
    ExitCode.unreachable,
    "unreachable",
    `start one with: unitsync agent --socket-path ${socketPath}`,
  );
}

// --- internal ---

function errorFromBody({ error }: ErrorBody): UnitsyncError {
  return new UnitsyncError(error.message, EXIT_FOR[error.code] ?? ExitCode.refused, error.code);
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
