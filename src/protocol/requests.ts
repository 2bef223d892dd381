import * as v from "valibot";
import { nameProblem } from "../graph/names.ts";
import { MAX_DURATION_MS } from "../lib/duration.ts";
import { MAX_DEPENDENCIES, MAX_REASON_LENGTH } from "./wire.ts";

/** The request bodies the agent accepts (strict: unknown fields are an error). */

export const UnitNameSchema = v.pipe(
  v.string(),
  v.check(
    (name) => nameProblem(name) === undefined,
    (issue) => nameProblem(issue.input as string) ?? "invalid",
  ),
);

const UnitListSchema = v.pipe(v.array(UnitNameSchema), v.minLength(1), v.maxLength(MAX_DEPENDENCIES));
/** Milliseconds the agent waits before answering "timeout"; 0 waits forever; at most Go's longest duration. */
const TimeoutSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_DURATION_MS));

/** What a dependency must reach before its dependent is ready (default "completed", Coder's only value). */
export const RequiredStatusSchema = v.picklist(["completed", "started"]);

export const WantRequestSchema = v.strictObject({
  unit: UnitNameSchema,
  depends_on: UnitListSchema,
  required_status: v.optional(RequiredStatusSchema),
});
export type WantRequest = v.InferOutput<typeof WantRequestSchema>;

/** Declares a target and members (none: it completes at once, unless it already has members). */
export const TargetRequestSchema = v.strictObject({
  unit: UnitNameSchema,
  members: v.pipe(v.array(UnitNameSchema), v.maxLength(MAX_DEPENDENCIES)),
});
export type TargetRequest = v.InferOutput<typeof TargetRequestSchema>;

export const StartRequestSchema = v.strictObject({
  unit: UnitNameSchema,
  /** Dependencies to declare first, atomically with the start (what `run --want` sends). */
  depends_on: v.optional(v.pipe(v.array(UnitNameSchema), v.maxLength(MAX_DEPENDENCIES))),
  timeout_ms: TimeoutSchema,
  /**
   * Keep the answer open after the "started" line while the unit is started (what `run` sends):
   * if the connection drops first, the agent fails the unit (`run wrapper for "<unit>" went away`).
   */
  hold: v.optional(v.boolean()),
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
