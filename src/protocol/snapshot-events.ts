import * as v from "valibot";
import { kindSchema, statusNameSchema, timesSchema } from "./responses.ts";

/** What the graph, timeline and events views read: the snapshot of every unit, and the event records. */

/** One unit in GET /v1/snapshot: everything the graph and timeline views are drawn from. */
export const SnapshotUnitSchema = v.strictObject({
  unit_name: v.string(),
  status: statusNameSchema(),
  is_ready: v.boolean(),
  /** Direct dependencies, in the order they were declared. */
  depends_on: v.array(v.string()),
  /** The dependencies that only have to start (the others must complete); absent when none. */
  started_only: v.optional(v.array(v.string())),
  reason: v.optional(v.string()),
  kind: kindSchema(),
  times: timesSchema(),
});
export type SnapshotUnit = v.InferOutput<typeof SnapshotUnitSchema>;

/** GET /v1/snapshot: every known name (registered or only depended upon), sorted by name. */
export const SnapshotResponseSchema = v.strictObject({
  /** The agent's clock when the snapshot was taken (a running unit's bar ends here). */
  now: v.string(),
  units: v.array(SnapshotUnitSchema),
});
export type SnapshotResponse = v.InferOutput<typeof SnapshotResponseSchema>;

/** One recorded state change, as `events -o json` prints it and `--log-format json` logs it. */
export const EventSchema = v.strictObject({
  seq: v.number(),
  time: v.string(),
  type: v.picklist([
    "registered",
    "dependencies_added",
    "waiting",
    "started",
    "completed",
    "failed",
    "reset",
  ]),
  unit: v.string(),
  depends_on: v.optional(v.array(v.string())),
  unmet: v.optional(v.array(v.string())),
  reason: v.optional(v.string()),
});
export type Event = v.InferOutput<typeof EventSchema>;
