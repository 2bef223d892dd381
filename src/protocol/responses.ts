import * as v from "valibot";

/** The JSON answers of the agent's plain (non-streaming) endpoints. */

export const PingResponseSchema = v.strictObject({
  agent: v.literal("unitsync"),
  version: v.string(),
  pid: v.number(),
  /** Clients blocked in `start` or `wait` right now. */
  waiters: v.number(),
  /** With `agent --store`: where the shared store is (never its credentials) and how the agent stands with it. */
  store: v.optional(
    v.strictObject({ url: v.string(), health: v.picklist(["synced", "unreachable", "reset"]) }),
  ),
});
export type PingResponse = v.InferOutput<typeof PingResponseSchema>;

export const WantResponseSchema = v.strictObject({
  unit: v.string(),
  depends_on: v.array(v.string()),
  required_status: v.optional(v.picklist(["completed", "started"])),
});
export type WantResponse = v.InferOutput<typeof WantResponseSchema>;

export const OkResponseSchema = v.strictObject({ unit: v.string(), status: v.string() });
export type OkResponse = v.InferOutput<typeof OkResponseSchema>;

export const StatusNameSchema = v.picklist(["pending", "started", "completed", "failed", "not registered"]);

/** Present on a target (completes by itself) or a before-all unit (every other unit depends on it). */
export const KindSchema = v.optional(v.picklist(["target", "before-all"]));

export const UnitSummarySchema = v.strictObject({
  unit_name: v.string(),
  status: StatusNameSchema,
  is_ready: v.boolean(),
  reason: v.optional(v.string()),
  kind: KindSchema,
});
export type UnitSummary = v.InferOutput<typeof UnitSummarySchema>;

export const ListResponseSchema = v.array(UnitSummarySchema);
export type ListResponse = v.InferOutput<typeof ListResponseSchema>;

export const DependencySchema = v.strictObject({
  depends_on: v.string(),
  required_status: v.picklist(["completed", "started"]),
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
  kind: KindSchema,
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

/** POST /v1/target: the target, every member it has now, and its status (completed at once if they all are). */
export const TargetResponseSchema = v.strictObject({
  unit: v.string(),
  members: v.array(v.string()),
  status: StatusNameSchema,
});
export type TargetResponse = v.InferOutput<typeof TargetResponseSchema>;
