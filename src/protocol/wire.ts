import * as v from "valibot";

/**
 * The wire format between client and agent: HTTP/1.1 with JSON bodies over the unix socket,
 * defined only in src/protocol/ (docs/protocol.md describes it for curl users). It is split by
 * who needs what: every client call loads this module and responses.ts, so the schemas only the
 * agent (requests.ts) or the graph, timeline and events verbs (snapshot-events.ts) use are not built on a script's start-up path.
 * schemas.ts re-exports them all.
 */

/** Every path is under this prefix; a breaking change gets a new one. */
export const API_PREFIX = "/v1";

const quickChecks = new WeakMap<v.GenericSchema, (input: unknown) => boolean>();
/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most dependencies one request may declare. */
export const MAX_DEPENDENCIES = 1000;
/** Longest failure reason kept, in characters. */
export const MAX_REASON_LENGTH = 2000;

/**
 * A schema built the first time it is used, not when its module loads: a client call parses one
 * kind of answer, and building every schema of the protocol on its start-up path cost each call
 * about 1 ms (docs/benchmarks.md). Parts shared by several schemas are functions called inside them.
 */
export function deferred<S extends v.GenericSchema>(build: () => S): v.LazySchema<S> {
  let schema: S | undefined;
  return v.lazy(() => {
    schema ??= build();
    return schema;
  });
}

export const ERROR_CODES = [
  "bad_request",
  "invalid_name",
  "not_found",
  "method_not_allowed",
  "payload_too_large",
  "unsupported_media_type",
  "cycle",
  "not_registered",
  "already_started",
  "already_completed",
  "not_ready",
  "failed",
  "edge_conflict",
  "target_conflict",
  "dependency_failed",
  "timeout",
  "shutting_down",
  /** The agent shares its graph through a store it cannot use right now (unreachable, or reset). */
  "store_unavailable",
  /** The agent is out of file descriptors: it refuses new requests until some close. */
  "busy",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The `error` member of an error answer (and of a stream's "error" line). */
const errorSchema = () =>
  v.strictObject({
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    /** With "dependency_failed": each failed chain, from the awaited unit down to the failed one. */
    failures: v.optional(v.array(v.strictObject({ chain: v.array(v.string()), reason: v.string() }))),
  });

export const ErrorBodySchema = deferred(() => v.strictObject({ error: errorSchema() }));
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/**
 * `start` and `wait` answer 200 with a stream of NDJSON lines: zero or more "waiting" lines (the
 * first right away when the wait begins, more as the set shrinks), then exactly one final line:
 * "started" / "completed", or "error". One schema per kind of line, each built the first time a
 * line of its kind is parsed: a `start` reads a "started" line, and building the four (the error
 * one with every error code) cost it about 0.5 ms.
 */
const waitLineKinds = {
  waiting: () => v.strictObject({ type: v.literal("waiting"), unmet: v.array(v.string()) }),
  started: () =>
    v.strictObject({
      type: v.literal("started"),
      unit: v.string(),
      /** All direct dependencies, sorted. */
      dependencies: v.array(v.string()),
      waited: v.boolean(),
    }),
  completed: () => v.strictObject({ type: v.literal("completed"), units: v.array(v.string()) }),
  error: () => v.strictObject({ type: v.literal("error"), error: errorSchema() }),
};
type WaitLineKind = keyof typeof waitLineKinds;
const waitLineVariant = () =>
  v.variant(
    "type",
    Object.values(waitLineKinds).map((kind) => kind()),
  );
export type WaitLine = {
  [K in WaitLineKind]: v.InferOutput<ReturnType<(typeof waitLineKinds)[K]>>;
}[WaitLineKind];

const builtKinds: Partial<Record<WaitLineKind, v.GenericSchema<unknown, WaitLine>>> = {};
let wholeVariant: v.GenericSchema<unknown, WaitLine> | undefined;
/**
 * A line of a `start` or `wait` stream: parsed with its own kind's schema, which is what a variant
 * on `type` does; a line of no known kind gets the whole variant, for the variant's own message.
 */
export const WaitLineSchema = withQuickCheck(
  v.lazy((input: unknown): v.GenericSchema<unknown, WaitLine> => {
    const type = (input as { type?: unknown } | null | undefined)?.type;
    if (typeof type === "string" && Object.hasOwn(waitLineKinds, type)) {
      const kind = type as WaitLineKind;
      builtKinds[kind] ??= waitLineKinds[kind]();
      return builtKinds[kind];
    }
    wholeVariant ??= waitLineVariant() as v.GenericSchema<unknown, WaitLine>;
    return wholeVariant;
  }),
  (line) => {
    // The lines of a wait that goes well; an "error" line (or anything else) goes to valibot.
    const type = (line as { type?: unknown } | null)?.type;
    if (type === "waiting") return isObjectOf(line, ["type", "unmet"]) && isStrings(line.unmet);
    if (type === "started")
      return (
        isObjectOf(line, ["type", "unit", "dependencies", "waited"]) &&
        typeof line.unit === "string" &&
        isStrings(line.dependencies) &&
        typeof line.waited === "boolean"
      );
    if (type === "completed") return isObjectOf(line, ["type", "units"]) && isStrings(line.units);
    return false;
  },
);

/** HTTP status for each error code. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_name: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  cycle: 409,
  not_registered: 404,
  already_started: 409,
  already_completed: 409,
  not_ready: 409,
  failed: 409,
  edge_conflict: 409,
  target_conflict: 409,
  dependency_failed: 424,
  timeout: 408,
  shutting_down: 503,
  store_unavailable: 503,
  busy: 503,
  internal: 500,
};

/**
 * Registers `accepts`, a plain check that says yes to exactly what `schema` accepts, for parseWith
 * to try first: an answer that passes it is taken as it is, and valibot runs only for one that
 * does not (for its verdict and its message). Running valibot's code at all cost a client call
 * ~0.6 ms of CPU, for one small answer (docs/benchmarks.md). test/protocol.test.ts holds each
 * check to its schema on random input.
 */
export function withQuickCheck<S extends v.GenericSchema>(
  schema: S,
  accepts: (input: unknown) => boolean,
): S {
  quickChecks.set(schema, accepts);
  return schema;
}

/** The quick check registered for `schema`, if any (exported for its test). */
export function quickCheckOf(schema: v.GenericSchema): ((input: unknown) => boolean) | undefined {
  return quickChecks.get(schema);
}

/** A JSON object (not an array, not null) whose keys are all among `keys`. */
export function isObjectOf(input: unknown, keys: readonly string[]): input is Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return false;
  for (const key in input) if (!keys.includes(key)) return false;
  return true;
}

/** An array of strings. */
export function isStrings(input: unknown): input is string[] {
  return Array.isArray(input) && input.every((item) => typeof item === "string");
}

/** Parses `input` with `schema`, or returns one readable message naming the field path. */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  if (quickChecks.get(schema)?.(input)) return { ok: true, value: input as v.InferOutput<S> };
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && issue.expected === "never") {
    return { ok: false, message: `unknown field ${JSON.stringify(path)}` };
  }
  return { ok: false, message: path ? `${path}: ${issue.message}` : issue.message };
}
