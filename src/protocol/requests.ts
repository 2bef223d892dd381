import * as v from "valibot";
import { nameProblem } from "../graph/names.ts";
import { MAX_DURATION_MS } from "../lib/duration.ts";
import { deferred, MAX_DEPENDENCIES, MAX_REASON_LENGTH } from "./wire.ts";

/**
 * The request bodies the agent accepts (strict: unknown fields are an error). Each is built the
 * first time a request of its kind comes (`deferred`, wire.ts): a one-shot `agent --scripts` whose
 * scripts never call the socket builds none of them before its first script starts.
 */

const unitNameSchema = () =>
  v.pipe(
    v.string(),
    v.check(
      (name) => nameProblem(name) === undefined,
      (issue) => nameProblem(issue.input as string) ?? "invalid",
    ),
  );

const unitListSchema = () => v.pipe(v.array(unitNameSchema()), v.minLength(1), v.maxLength(MAX_DEPENDENCIES));
/** Milliseconds the agent waits before answering "timeout"; 0 waits forever; at most Go's longest duration. */
const timeoutSchema = () => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_DURATION_MS));

export const WantRequestSchema = deferred(() =>
  v.strictObject({
    unit: unitNameSchema(),
    depends_on: unitListSchema(),
    /** What a dependency must reach before its dependent is ready (default "completed", Coder's only value). */
    required_status: v.optional(v.picklist(["completed", "started"])),
  }),
);
export type WantRequest = v.InferOutput<typeof WantRequestSchema>;

/** Declares a target and members (none: it completes at once, unless it already has members). */
export const TargetRequestSchema = deferred(() =>
  v.strictObject({
    unit: unitNameSchema(),
    members: v.pipe(v.array(unitNameSchema()), v.maxLength(MAX_DEPENDENCIES)),
  }),
);
export type TargetRequest = v.InferOutput<typeof TargetRequestSchema>;

export const StartRequestSchema = deferred(() =>
  v.strictObject({
    unit: unitNameSchema(),
    /** Dependencies to declare first, atomically with the start (what `run --want` sends). */
    depends_on: v.optional(v.pipe(v.array(unitNameSchema()), v.maxLength(MAX_DEPENDENCIES))),
    timeout_ms: timeoutSchema(),
    /**
     * Keep the answer open after the "started" line while the unit is started (what `run` sends):
     * if the connection drops first, the agent fails the unit (`run wrapper for "<unit>" went away`).
     */
    hold: v.optional(v.boolean()),
  }),
);
export type StartRequest = v.InferOutput<typeof StartRequestSchema>;

export const CompleteRequestSchema = deferred(() => v.strictObject({ unit: unitNameSchema() }));
export type CompleteRequest = v.InferOutput<typeof CompleteRequestSchema>;

export const FailRequestSchema = deferred(() =>
  v.strictObject({
    unit: unitNameSchema(),
    reason: v.optional(v.pipe(v.string(), v.maxLength(MAX_REASON_LENGTH))),
  }),
);
export type FailRequest = v.InferOutput<typeof FailRequestSchema>;

export const WaitRequestSchema = deferred(() =>
  v.strictObject({
    units: unitListSchema(),
    any: v.optional(v.boolean()),
    timeout_ms: timeoutSchema(),
  }),
);
export type WaitRequest = v.InferOutput<typeof WaitRequestSchema>;
