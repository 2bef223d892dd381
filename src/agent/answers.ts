/** The agent's answers to the read requests (status, list, snapshot), built from the graph. */
import { explainWait } from "../graph/explain.ts";
import {
  compareNames,
  type Graph,
  type Millis,
  NOT_REGISTERED,
  type NodeRecord,
  type UnitTimes,
  type UnitView,
} from "../graph/index.ts";
import type { SnapshotResponse, StatusResponse, UnitSummary } from "../protocol/schemas.ts";
import { JsonBytes } from "./json-bytes.ts";

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

/**
 * The answer to `list` as JSON, byte for byte `JSON.stringify` of the registered units' `summaryOf`,
 * written from the graph's own records: no copy of a unit, no answer object, no JSON string.
 */
export function listJson(graph: Graph): Uint8Array<ArrayBuffer> {
  const order = byName(graph);
  return JsonBytes.build(estimate(graph, 56), (out) => {
    out.raw("[");
    let first = true;
    for (const index of order) {
      const node = graph.nodeAt(index);
      if (node.status === NOT_REGISTERED) continue;
      out.raw(first ? '{"unit_name":' : ',{"unit_name":');
      first = false;
      out.string(node.name).raw(',"status":').string(node.status);
      out.raw(',"is_ready":').bool(graph.isReady(node.name));
      const reason = graph.reasonOf(node.name);
      if (reason) out.raw(',"reason":').string(reason);
      const kind = kindOfNode(graph, node);
      if (kind) out.raw(',"kind":').string(kind);
      out.raw("}");
    }
    out.raw("]");
  });
}

/** The answer to a snapshot as JSON, byte for byte `JSON.stringify(snapshot(graph, now))`, written as `listJson` is. */
export function snapshotJson(graph: Graph, now: Millis): Uint8Array<ArrayBuffer> {
  const order = byName(graph);
  return JsonBytes.build(estimate(graph, 132, 3), (out) => {
    out.raw('{"now":').isoTime(now).raw(',"units":[');
    for (let i = 0; i < order.length; i++) {
      const node = graph.nodeAt(order[i] as number);
      out.raw(i === 0 ? '{"unit_name":' : ',{"unit_name":').string(node.name);
      out.raw(',"status":').string(node.status).raw(',"is_ready":').bool(graph.isReady(node.name));
      out.raw(',"depends_on":');
      names(out, node.deps);
      if (node.startedOnly) {
        out.raw(',"started_only":');
        names(out, node.startedOnly);
      }
      const reason = graph.reasonOf(node.name);
      if (reason) out.raw(',"reason":').string(reason);
      const kind = kindOfNode(graph, node);
      if (kind) out.raw(',"kind":').string(kind);
      out.raw(',"times":{');
      const { registeredAt, startRequestedAt, startedAt, finishedAt } = node.times;
      let comma = "";
      if (registeredAt !== undefined) {
        out.raw('"registered_at":').isoTime(registeredAt);
        comma = ",";
      }
      if (startRequestedAt !== undefined) {
        out.raw(comma).raw('"start_requested_at":').isoTime(startRequestedAt);
        comma = ",";
      }
      if (startedAt !== undefined) {
        out.raw(comma).raw('"started_at":').isoTime(startedAt);
        comma = ",";
      }
      if (finishedAt !== undefined) out.raw(comma).raw('"finished_at":').isoTime(finishedAt);
      out.raw("}}");
    }
    out.raw("]}");
  });
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

/** The graph's unit indexes in name order (what graph.units() lists). */
function byName(graph: Graph): Int32Array {
  const order = new Int32Array(graph.size);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => compareNames(graph.nodeAt(a).name, graph.nodeAt(b).name));
}

/**
 * Roughly the bytes of an answer with `perUnit` bytes besides each name and, with `perEdge`, that
 * many besides each dependency's name (taken to be as long as its dependent's: no lookup per edge).
 */
function estimate(graph: Graph, perUnit: number, perEdge?: number): number {
  let bytes = 64;
  for (let i = 0; i < graph.size; i++) {
    const node = graph.nodeAt(i);
    bytes += node.name.length + perUnit;
    if (perEdge !== undefined) bytes += node.deps.length * (node.name.length + perEdge);
  }
  return bytes;
}

function names(out: JsonBytes, list: readonly string[]): void {
  out.raw("[");
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out.raw(",");
    out.string(list[i] as string);
  }
  out.raw("]");
}

/** kindOf for a record of the graph's. */
function kindOfNode(graph: Graph, node: NodeRecord): "target" | "before-all" | undefined {
  return node.target ? "target" : graph.isBeforeAll(node.name) ? "before-all" : undefined;
}

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
