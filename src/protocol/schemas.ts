import * as v from "valibot";
import { nameProblem } from "../graph/names.ts";

/**
 * The wire format between client and agent: HTTP/1.1 with JSON bodies over the unix socket. This
 * module is the only place it is defined; docs/protocol.md describes it for curl users.
 */

/** Every path is under this prefix; a breaking change gets a new one. */
export const API_PREFIX = "/v1";
/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Most dependencies one request may declare. */
export const MAX_DEPENDENCIES = 1000;
/** Longest failure reason kept, in characters. */
export const MAX_REASON_LENGTH = 2000;

export const UnitNameSchema = v.pipe(
  v.string(),
  v.check(
    (name) => nameProblem(name) === undefined,
    (issue) => nameProblem(issue.input as string) ?? "invalid",
  ),
);

const UnitListSchema = v.pipe(v.array(UnitNameSchema), v.minLength(1), v.maxLength(MAX_DEPENDENCIES));
/** Milliseconds the agent waits before answering "timeout"; 0 waits forever. */
const TimeoutSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31 - 1));

// --- requests ---

export const WantRequestSchema = v.strictObject({ unit: UnitNameSchema, depends_on: UnitListSchema });
export type WantRequest = v.InferOutput<typeof WantRequestSchema>;

export const StartRequestSchema = v.strictObject({
  unit: UnitNameSchema,
  /** Dependencies to declare first, atomically with the start (what `run --want` sends). */
  depends_on: v.optional(v.pipe(v.array(UnitNameSchema), v.maxLength(MAX_DEPENDENCIES))),
  timeout_ms: TimeoutSchema,
});
export type StartRequest = v.InferOutput<typeof StartRequestSchema>;

export const CompleteRequestSchema = v.strictObject({ unit: UnitNameSchema });
export type CompleteRequest = v.InferOutput<typeof CompleteRequestSchema>;

export const FailRequestSchema = v.strictObject({
  unit: UnitNameSchema,
  reason: v.optional(v.pipe(v.string(), v.maxLength(MAX_REASON_LENGTH))),
});
export type FailRequest = v.InferOutput<typeof FailRequestSchema>;

export const WaitRequestSchema = v.strictObject({
  units: UnitListSchema,
  any: v.optional(v.boolean()),
  timeout_ms: TimeoutSchema,
});
export type WaitRequest = v.InferOutput<typeof WaitRequestSchema>;

// --- responses ---

export const ErrorCodeSchema = v.picklist([
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
  "dependency_failed",
  "timeout",
  "shutting_down",
  "internal",
]);
export type ErrorCode = v.InferOutput<typeof ErrorCodeSchema>;

const FailureSchema = v.strictObject({ chain: v.array(v.string()), reason: v.string() });

export const ErrorBodySchema = v.strictObject({
  error: v.strictObject({
    code: ErrorCodeSchema,
    message: v.string(),
    /** With "dependency_failed": each failed chain, from the awaited unit down to the failed one. */
    failures: v.optional(v.array(FailureSchema)),
  }),
});
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

export const PingResponseSchema = v.strictObject({
  agent: v.literal("unitsync"),
  version: v.string(),
  pid: v.number(),
  /** Clients blocked in `start` or `wait` right now. */
  waiters: v.number(),
});
export type PingResponse = v.InferOutput<typeof PingResponseSchema>;

export const WantResponseSchema = v.strictObject({ unit: v.string(), depends_on: v.array(v.string()) });
export type WantResponse = v.InferOutput<typeof WantResponseSchema>;

export const OkResponseSchema = v.strictObject({ unit: v.string(), status: v.string() });
export type OkResponse = v.InferOutput<typeof OkResponseSchema>;

export const StatusNameSchema = v.picklist(["pending", "started", "completed", "failed", "not registered"]);

export const UnitSummarySchema = v.strictObject({
  unit_name: v.string(),
  status: StatusNameSchema,
  is_ready: v.boolean(),
  reason: v.optional(v.string()),
});
export type UnitSummary = v.InferOutput<typeof UnitSummarySchema>;

export const ListResponseSchema = v.array(UnitSummarySchema);
export type ListResponse = v.InferOutput<typeof ListResponseSchema>;

export const DependencySchema = v.strictObject({
  depends_on: v.string(),
  required_status: v.literal("completed"),
  current_status: StatusNameSchema,
  is_satisfied: v.boolean(),
});

/** Times are ISO 8601 strings; absent until reached. */
export const TimesSchema = v.strictObject({
  registered_at: v.optional(v.string()),
  start_requested_at: v.optional(v.string()),
  started_at: v.optional(v.string()),
  finished_at: v.optional(v.string()),
});

export const StatusResponseSchema = v.strictObject({
  unit_name: v.string(),
  status: StatusNameSchema,
  is_ready: v.boolean(),
  dependencies: v.array(DependencySchema),
  reason: v.optional(v.string()),
  times: v.optional(TimesSchema),
  /** For a unit that is not ready: the chain down to what it is really waiting for. */
  waiting_on: v.optional(v.array(v.string())),
  /** With waiting_on: the last unit of the chain (the blocker), its status and since when. */
  blocker: v.optional(
    v.strictObject({
      unit_name: v.string(),
      status: StatusNameSchema,
      /** When it reached that status (started, registered, or failed); absent if not registered. */
      since: v.optional(v.string()),
      reason: v.optional(v.string()),
    }),
  ),
});
export type StatusResponse = v.InferOutput<typeof StatusResponseSchema>;

/** One unit in GET /v1/snapshot: everything the graph and timeline views are drawn from. */
export const SnapshotUnitSchema = v.strictObject({
  unit_name: v.string(),
  status: StatusNameSchema,
  is_ready: v.boolean(),
  /** Direct dependencies, in the order they were declared. */
  depends_on: v.array(v.string()),
  reason: v.optional(v.string()),
  times: TimesSchema,
});
export type SnapshotUnit = v.InferOutput<typeof SnapshotUnitSchema>;

/** GET /v1/snapshot: every known name (registered or only depended upon), sorted by name. */
export const SnapshotResponseSchema = v.strictObject({
  /** The agent's clock when the snapshot was taken (a running unit's bar ends here). */
  now: v.string(),
  units: v.array(SnapshotUnitSchema),
});
export type SnapshotResponse = v.InferOutput<typeof SnapshotResponseSchema>;

/**
 * `start` and `wait` answer 200 with a stream of NDJSON lines: zero or more "waiting" lines (the
 * first right away when the wait begins, more as the set shrinks), then exactly one final line:
 * "started" / "completed", or "error".
 */
export const WaitLineSchema = v.variant("type", [
  v.strictObject({ type: v.literal("waiting"), unmet: v.array(v.string()) }),
  v.strictObject({
    type: v.literal("started"),
    unit: v.string(),
    /** All direct dependencies, sorted. */
    dependencies: v.array(v.string()),
    waited: v.boolean(),
  }),
  v.strictObject({ type: v.literal("completed"), units: v.array(v.string()) }),
  v.strictObject({ type: v.literal("error"), error: ErrorBodySchema.entries.error }),
]);
export type WaitLine = v.InferOutput<typeof WaitLineSchema>;

/** One recorded state change, as `events -o json` prints it and `--log-format json` logs it. */
export const EventSchema = v.strictObject({
  seq: v.number(),
  time: v.string(),
  type: v.picklist(["registered", "dependencies_added", "waiting", "started", "completed", "failed"]),
  unit: v.string(),
  depends_on: v.optional(v.array(v.string())),
  unmet: v.optional(v.array(v.string())),
  reason: v.optional(v.string()),
});
export type Event = v.InferOutput<typeof EventSchema>;

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
  dependency_failed: 424,
  timeout: 408,
  shutting_down: 503,
  internal: 500,
};

/** Parses `input` with `schema`, or returns one readable message naming the field path. */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  if (issue.type === "strict_object" && issue.expected === "never") {
    return { ok: false, message: `unknown field ${JSON.stringify(path)}` };
  }
  return { ok: false, message: path ? `${path}: ${issue.message}` : issue.message };
}
