import type * as v from "valibot";
import { ExitCode, UnitsyncError } from "../lib/errors.ts";
import {
  API_PREFIX,
  type ErrorBody,
  ErrorBodySchema,
  type ErrorCode,
  parseWith,
  type WaitLine,
  WaitLineSchema,
} from "../protocol/wire.ts";

/** Exit code for each error the agent can answer with; anything not listed is a refusal (1). */
const EXIT_FOR: Partial<Record<ErrorCode, number>> = {
  dependency_failed: ExitCode.dependencyFailed,
  timeout: ExitCode.timeout,
  shutting_down: ExitCode.unreachable,
};

/** Talks to the agent over its unix socket: one HTTP request per call. */
export class AgentClient {
  constructor(readonly socketPath: string) {}

  /** GETs `path` and validates the answer. */
  get<S extends v.GenericSchema>(path: string, schema: S): Promise<v.InferOutput<S>> {
    return this.#json("GET", path, undefined, schema);
  }

  /** POSTs a JSON body to `path` and validates the answer. */
  post<S extends v.GenericSchema>(path: string, body: unknown, schema: S): Promise<v.InferOutput<S>> {
    return this.#json("POST", path, body, schema);
  }

  /**
   * POSTs to a waiting endpoint (`start`, `wait`) and yields its NDJSON lines as they arrive; the
   * last line is thrown as a UnitsyncError if it is an error. Breaking out of the loop (or the
   * process ending) closes the connection, which makes the agent drop the wait.
   */
  async *stream(
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): AsyncGenerator<Exclude<WaitLine, { type: "error" }>> {
    const res = await this.#fetch("POST", path, body, signal);
    if (!res.ok) throw await this.#errorOf(res);
    let buffered = "";
    let answered = false;
    const decoder = new TextDecoder();
    for await (const chunk of this.#chunks(res)) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (!text) continue;
        const parsed = parseWith(WaitLineSchema, safeJson(text));
        if (!parsed.ok) throw this.#protocolError(`bad line from the agent: ${parsed.message}`);
        if (parsed.value.type === "error") throw errorFromBody({ error: parsed.value.error });
        answered ||= parsed.value.type !== "waiting";
        yield parsed.value;
      }
    }
    if (!answered) {
      throw new UnitsyncError(
        `the unitsync agent at ${this.socketPath} closed the connection before answering (did it stop?)`,
        ExitCode.unreachable,
        "unreachable",
      );
    }
  }

  // --- internal ---

  /** The response body's chunks; a connection lost midway is the agent becoming unreachable. */
  async *#chunks(res: Response): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of res.body ?? []) yield chunk;
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw unreachable(this.socketPath, error);
    }
  }

  async #json<S extends v.GenericSchema>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
  ): Promise<v.InferOutput<S>> {
    const res = await this.#fetch(method, path, body);
    if (!res.ok) throw await this.#errorOf(res);
    const parsed = parseWith(schema, await res.json().catch(() => undefined));
    if (!parsed.ok) throw this.#protocolError(`unexpected answer from the agent: ${parsed.message}`);
    return parsed.value;
  }

  async #fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(`http://unitsync${API_PREFIX}${path}`, {
        method,
        unix: this.socketPath,
        // Never route the local socket through an HTTP proxy from the environment.
        proxy: false as unknown as string,
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
