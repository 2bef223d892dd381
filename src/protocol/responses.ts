import * as v from "valibot";
import { deferred, isObjectOf, isStrings, withQuickCheck } from "./wire.ts";

/**
 * The JSON answers of the agent's plain (non-streaming) endpoints. Each is built on first use
 * (`deferred`, wire.ts); the parts several share are functions.
 */

const STORE_HEALTH = ["synced", "unreachable", "reset"] as const;

export const PingResponseSchema = withQuickCheck(
  deferred(() =>
    v.strictObject({
      agent: v.literal("unitsync"),
      version: v.string(),
      pid: v.number(),
      /** Clients blocked in `start` or `wait` right now. */
      waiters: v.number(),
      /** With `agent --store`: where the shared store is (never its credentials) and how the agent stands with it. */
      store: v.optional(v.strictObject({ url: v.string(), health: v.picklist(STORE_HEALTH) })),
    }),
  ),
  (answer) =>
    isObjectOf(answer, ["agent", "version", "pid", "waiters", "store"]) &&
    answer.agent === "unitsync" &&
    typeof answer.version === "string" &&
    isNumber(answer.pid) &&
    isNumber(answer.waiters) &&
    (answer.store === undefined ||
      (isObjectOf(answer.store, ["url", "health"]) &&
        typeof answer.store.url === "string" &&
        (STORE_HEALTH as readonly unknown[]).includes(answer.store.health))),
);
export type PingResponse = v.InferOutput<typeof PingResponseSchema>;

export const WantResponseSchema = withQuickCheck(
  deferred(() =>
    v.strictObject({
      unit: v.string(),
      depends_on: v.array(v.string()),
      required_status: v.optional(v.picklist(["completed", "started"])),
    }),
  ),
  (answer) =>
    isObjectOf(answer, ["unit", "depends_on", "required_status"]) &&
    typeof answer.unit === "string" &&
    isStrings(answer.depends_on) &&
    (answer.required_status === undefined ||
      answer.required_status === "completed" ||
      answer.required_status === "started"),
);
export type WantResponse = v.InferOutput<typeof WantResponseSchema>;

export const OkResponseSchema = withQuickCheck(
  deferred(() => v.strictObject({ unit: v.string(), status: v.string() })),
  (answer) =>
    isObjectOf(answer, ["unit", "status"]) &&
    typeof answer.unit === "string" &&
    typeof answer.status === "string",
);
export type OkResponse = v.InferOutput<typeof OkResponseSchema>;

export const statusNameSchema = () =>
  v.picklist(["pending", "started", "completed", "failed", "not registered"]);

/** Present on a target (completes by itself) or a before-all unit (every other unit depends on it). */
export const kindSchema = () => v.optional(v.picklist(["target", "before-all"]));

const unitSummarySchema = () =>
  v.strictObject({
    unit_name: v.string(),
    status: statusNameSchema(),
    is_ready: v.boolean(),
    reason: v.optional(v.string()),
    kind: kindSchema(),
  });
export type UnitSummary = v.InferOutput<ReturnType<typeof unitSummarySchema>>;

export const ListResponseSchema = deferred(() => v.array(unitSummarySchema()));
export type ListResponse = v.InferOutput<typeof ListResponseSchema>;

const dependencySchema = () =>
  v.strictObject({
    depends_on: v.string(),
    required_status: v.picklist(["completed", "started"]),
    current_status: statusNameSchema(),
    is_satisfied: v.boolean(),
  });

/** Times are ISO 8601 strings; absent until reached. */
export const timesSchema = () =>
  v.strictObject({
    registered_at: v.optional(v.string()),
    start_requested_at: v.optional(v.string()),
    started_at: v.optional(v.string()),
    finished_at: v.optional(v.string()),
  });

export const StatusResponseSchema = deferred(() =>
  v.strictObject({
    unit_name: v.string(),
    status: statusNameSchema(),
    is_ready: v.boolean(),
    dependencies: v.array(dependencySchema()),
    reason: v.optional(v.string()),
    kind: kindSchema(),
    times: v.optional(timesSchema()),
    /** For a unit that is not ready: the chain down to what it is really waiting for. */
    waiting_on: v.optional(v.array(v.string())),
    /** With waiting_on: the last unit of the chain (the blocker), its status and since when. */
    blocker: v.optional(
      v.strictObject({
        unit_name: v.string(),
        status: statusNameSchema(),
        /** When it reached that status (started, registered, or failed); absent if not registered. */
        since: v.optional(v.string()),
        reason: v.optional(v.string()),
      }),
    ),
  }),
);
export type StatusResponse = v.InferOutput<typeof StatusResponseSchema>;

/** POST /v1/target: the target, every member it has now, and its status (completed at once if they all are). */
export const TargetResponseSchema = deferred(() =>
  v.strictObject({ unit: v.string(), members: v.array(v.string()), status: statusNameSchema() }),
);
export type TargetResponse = v.InferOutput<typeof TargetResponseSchema>;

/** What valibot's number() accepts: a number, NaN not. */
function isNumber(value: unknown): value is number {
  return typeof value === "number" && !Number.isNaN(value);
}
