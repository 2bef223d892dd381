import type * as v from "valibot";
import {
  type ErrorBody,
  type ErrorCode,
  HTTP_STATUS,
  MAX_BODY_BYTES,
  parseWith,
  type WaitLine,
} from "../protocol/wire.ts";
import { Refusal } from "./units.ts";

/** A refusal that becomes an `{"error":{code,message}}` response with the code's HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly failures?: ErrorBody["error"]["failures"],
  ) {
    super(message);
  }

  body(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.failures) error.failures = this.failures;
    return { error };
  }
}

/** Any thrown value as an HttpError: refused unit operations keep their code, anything else is internal. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof Refusal) return new HttpError(error.code, error.message, error.failures);
  // decodeURIComponent of a unit name in the path (e.g. `/v1/units/%E0%A4%A`): the client's fault.
  if (error instanceof URIError)
    return new HttpError("bad_request", "malformed percent-encoding in the request path");
  // A URL built from a Host header that is not a host name: the client's fault too.
  if ((error as { code?: string }).code === "ERR_INVALID_URL") {
    return new HttpError("bad_request", "malformed request URL or Host header");
  }
  return new HttpError("internal", error instanceof Error ? error.message : String(error));
}

/**
 * The request's URL. Bun builds `req.url` from the Host header, which a client may fill with
 * anything; the agent serves one socket and has no use for the host, so a broken one is ignored.
 */
export function requestUrl(req: Request): URL {
  try {
    return new URL(req.url);
  } catch {
    const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(req.url)?.[1] ?? "";
    return new URL(path.startsWith("/") ? path : `/${path}`, "http://unitsync");
  }
}

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

/** A 200 answer whose JSON is already encoded; the same header as `json` (Response.json's). */
export function jsonBytes(body: Uint8Array<ArrayBuffer>): Response {
  return new Response(body, { headers: { "content-type": "application/json;charset=utf-8" } });
}

export function errorResponse(error: HttpError): Response {
  return json(error.body(), HTTP_STATUS[error.code]);
}

/** Reads and validates a JSON body: 413 past MAX_BODY_BYTES, 400 for bad JSON or a wrong shape. */
export async function readBody<S extends v.GenericSchema>(
  req: Request,
  schema: S,
): Promise<v.InferOutput<S>> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readCapped(req);
  let input: unknown;
  try {
    input = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new HttpError("bad_request", "request body is not valid JSON");
  }
  const parsed = parseWith(schema, input);
  if (!parsed.ok) throw new HttpError("bad_request", `invalid request: ${parsed.message}`);
  return parsed.value;
}

const encoder = new TextEncoder();

/** One NDJSON line. */
export function line(value: WaitLine): Uint8Array {
  return encoder.encode(`${JSON.stringify(value)}\n`);
}

/** A response made of NDJSON lines that are all known now. */
export function lines(...values: WaitLine[]): Response {
  return new Response(
    values
      .map((value) => JSON.stringify(value))
      .join("\n")
      .concat("\n"),
    {
      headers: { "content-type": "application/x-ndjson" },
    },
  );
}

// --- internal ---

function tooLarge(): HttpError {
  return new HttpError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`);
}

async function readCapped(req: Request): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of req.body) {
    total += chunk.byteLength;
    if (total > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
