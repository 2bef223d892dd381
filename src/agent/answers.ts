/** The agent's answers to the read requests (status, list, snapshot), built from the graph. */
import { explainWait } from "../graph/explain.ts";
import { compareNames, type Graph, type Millis, type UnitTimes, type UnitView } from "../graph/index.ts";
import type { SnapshotResponse, StatusResponse, UnitSummary } from "../protocol/schemas.ts";

/** One row of `list`. */
export function summaryOf(graph: Graph, unit: UnitView): UnitSummary {
  const summary: UnitSummary = {
    unit_name: unit.name,
    status: unit.status,
    is_ready: graph.isReady(unit.name),
  };
  if (unit.reason) summary.reason = unit.reason;
  const kind = kindOf(unit);
  if (kind) summary.kind = kind;
  return summary;
}

/** The answer to `status <unit>`: Coder's fields first, then ours. */
export function statusOf(graph: Graph, name: string, _now: Millis): StatusResponse {
  const unit = graph.get(name);
  const dependencies = [...(unit?.dependsOn ?? [])].sort(compareNames).map((dep) => ({
    depends_on: dep,
    required_status: graph.requiredStatus(name, dep) ?? "completed",
    current_status: graph.status(dep),
    is_satisfied: graph.isSatisfied(name, dep),
  }));
  const response: StatusResponse = {
    unit_name: name,
    status: graph.status(name),
    is_ready: graph.isReady(name),
    dependencies,
  };
  if (unit?.reason) response.reason = unit.reason;
  const kind = unit && kindOf(unit);
  if (kind) response.kind = kind;
  if (unit) response.times = wireTimes(unit.times);
  const waiting = explainWait(graph, name);
  if (waiting) {
    response.waiting_on = waiting.chain;
    response.blocker = blockerOf(graph, waiting.chain[waiting.chain.length - 1] as string);
  }
  return response;
}

/** Every unit with its edges, state and times: what the graph and timeline views are drawn from. */
export function snapshot(graph: Graph, now: Millis): SnapshotResponse {
  return {
    now: new Date(now).toISOString(),
    units: graph.units().map((unit) => ({
      unit_name: unit.name,
      status: unit.status,
      is_ready: graph.isReady(unit.name),
      // graph.units() copied the list already: the answer reuses it (10,000 units, 50,000 names).
      depends_on: unit.dependsOn as string[],
      ...(unit.startedOnly && { started_only: [...unit.startedOnly] }),
      ...(unit.reason && { reason: unit.reason }),
      ...(kindOf(unit) && { kind: kindOf(unit) }),
      times: wireTimes(unit.times),
    })),
  };
}

/** Graph times as ISO strings, keyed as on the wire. */
export function wireTimes(times: Readonly<UnitTimes>): NonNullable<StatusResponse["times"]> {
  const iso = (at: Millis | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
  const wire: NonNullable<StatusResponse["times"]> = {};
  if (times.registeredAt !== undefined) wire.registered_at = iso(times.registeredAt);
  if (times.startRequestedAt !== undefined) wire.start_requested_at = iso(times.startRequestedAt);
  if (times.startedAt !== undefined) wire.started_at = iso(times.startedAt);
  if (times.finishedAt !== undefined) wire.finished_at = iso(times.finishedAt);
  return wire;
}

// --- internal ---

/** "target" or "before-all" for the units that are one; undefined for a plain unit. */
function kindOf(unit: UnitView): "target" | "before-all" | undefined {
  return unit.target ? "target" : unit.beforeAll ? "before-all" : undefined;
}

/** The unit a wait is stuck on, with the time it reached its status. */
function blockerOf(graph: Graph, name: string): NonNullable<StatusResponse["blocker"]> {
  const unit = graph.get(name);
  const status = graph.status(name);
  const times = unit?.times ?? {};
  const at =
    status === "started" ? times.startedAt : status === "failed" ? times.finishedAt : times.registeredAt;
  const blocker: NonNullable<StatusResponse["blocker"]> = { unit_name: name, status };
  if (at !== undefined) blocker.since = new Date(at).toISOString();
  if (unit?.reason) blocker.reason = unit.reason;
  return blocker;
}
