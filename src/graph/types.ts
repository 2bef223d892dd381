/** The states a registered unit moves through (DESIGN.md "Units and their states"). */
export type UnitStatus = "pending" | "started" | "completed" | "failed";

/** A unit's status as the graph reports it: a name only mentioned as a dependency is "not registered". */
export type NodeStatus = UnitStatus | "not registered";

export const NOT_REGISTERED = "not registered" satisfies NodeStatus;

/**
 * What a dependency must reach before its dependent is ready: "completed" (Coder's only value, the
 * default) or "started" (started or completed). A failed dependency fails its dependent either way.
 */
export type RequiredStatus = "completed" | "started";

export const REQUIRED_STATUSES: readonly RequiredStatus[] = ["completed", "started"];

/** Milliseconds since the epoch, passed in by the caller: the graph never reads a clock. */
export type Millis = number;

/** When a unit reached each milestone; absent until it has. */
export interface UnitTimes {
  /** First `want` or `start` (or `fail`) that registered it. */
  registeredAt?: Millis;
  /** First `start` asked for it (its waiting began then). */
  startRequestedAt?: Millis;
  /** The most recent time its `start` returned. */
  startedAt?: Millis;
  /** When it last completed or failed. */
  finishedAt?: Millis;
}

/** A read-only view of one unit. */
export interface UnitView {
  name: string;
  status: NodeStatus;
  /** Direct dependencies, in the order they were declared. */
  dependsOn: readonly string[];
  /** The dependencies whose required status is "started" (the others need "completed"); absent when none. */
  startedOnly?: readonly string[];
  /** Present on a target: a unit that completes by itself once its dependencies (members) have. */
  target?: true;
  /** Present on a before-all unit: every other unit depends on it. */
  beforeAll?: true;
  /** The failure reason while the unit is failed. */
  reason?: string;
  times: Readonly<UnitTimes>;
}

/** A state change, emitted by every graph operation that changes something. */
export type GraphEvent =
  | { type: "registered"; unit: string; at: Millis }
  | { type: "dependencies_added"; unit: string; dependsOn: string[]; at: Millis }
  | { type: "waiting"; unit: string; unmet: string[]; at: Millis }
  | { type: "started"; unit: string; at: Millis }
  | { type: "completed"; unit: string; at: Millis }
  | { type: "failed"; unit: string; reason: string; at: Millis }
  /** A failed target is pending again: the failure behind it is being retried. */
  | { type: "reset"; unit: string; at: Millis };

export type GraphEventType = GraphEvent["type"];

/** Why a graph operation was refused; `code` is shared with the protocol's error codes. */
export type GraphErrorCode =
  | "invalid_name"
  | "cycle"
  | "not_registered"
  | "already_started"
  | "already_completed"
  | "not_ready"
  | "failed"
  /** The edge exists with another required status. */
  | "edge_conflict"
  /** Starting, completing or failing a target (it does that by itself), or making a plain unit one. */
  | "target_conflict";

/** A refused graph operation. The graph is left exactly as it was. */
export class GraphError extends Error {
  override name = "GraphError";
  constructor(
    readonly code: GraphErrorCode,
    message: string,
  ) {
    super(message);
  }
}
