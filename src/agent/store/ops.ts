import * as v from "valibot";
import type { Graph, GraphEvent } from "../../graph/index.ts";

const Unit = v.string();
const At = v.number();

/** One graph operation as the shared log records it: what was asked, by whom, when. */
export const OpSchema = v.variant("t", [
  v.strictObject({
    t: v.literal("want"),
    unit: Unit,
    deps: v.array(Unit),
    /** Absent: "completed" (so entries written before required statuses existed read the same). */
    req: v.optional(v.literal("started")),
    at: At,
  }),
  v.strictObject({ t: v.literal("target"), unit: Unit, deps: v.array(Unit), at: At }),
  v.strictObject({ t: v.literal("before_all"), unit: Unit, at: At }),
  v.strictObject({ t: v.literal("request"), unit: Unit, at: At }),
  /** `start` returned on the agent that asked; host and pid name it if its lease is lost later. */
  v.strictObject({ t: v.literal("started"), unit: Unit, host: v.string(), pid: v.number(), at: At }),
  v.strictObject({ t: v.literal("complete"), unit: Unit, at: At }),
  v.strictObject({ t: v.literal("fail"), unit: Unit, reason: v.string(), at: At }),
  /** Every unit that `agent` started and that is still started fails: its lease expired, or it stopped. */
  v.strictObject({
    t: v.literal("expire"),
    agent: v.string(),
    why: v.picklist(["lease", "stopped"]),
    at: At,
  }),
]);
export type Op = v.InferOutput<typeof OpSchema>;

/** One entry of the log: the member that appended it, its request number there, and its operations. */
export const EntrySchema = v.strictObject({ a: v.string(), r: v.number(), ops: v.array(OpSchema) });
export type Entry = v.InferOutput<typeof EntrySchema>;

/** The agent that started a unit, as its `started` operation named it. */
export interface Owner {
  agent: string;
  host: string;
  pid: number;
}

/**
 * Applies one operation to a copy of the graph. Every agent applies the same operations in the same
 * order, and the graph is deterministic, so every copy accepts or refuses each operation alike:
 * a refusal (a GraphError, thrown before anything changed) is the answer to the agent that asked.
 * `owners` (who started which unit) is part of the copy and changes only here.
 */
export function applyOp(graph: Graph, op: Op, agent: string, owners: Map<string, Owner>): GraphEvent[] {
  switch (op.t) {
    case "want":
      return graph.want(op.unit, op.deps, op.at, op.req ?? "completed");
    case "target":
      return graph.target(op.unit, op.deps, op.at);
    case "before_all":
      return graph.beforeAll(op.unit, op.at);
    case "request":
      return graph.requestStart(op.unit, op.at);
    case "started": {
      const events = graph.markStarted(op.unit, op.at);
      owners.set(op.unit, { agent, host: op.host, pid: op.pid });
      return events;
    }
    case "complete": {
      const events = graph.complete(op.unit, op.at);
      owners.delete(op.unit);
      return events;
    }
    case "fail": {
      const events = graph.fail(op.unit, op.reason, op.at);
      owners.delete(op.unit);
      return events;
    }
    case "expire": {
      const events: GraphEvent[] = [];
      for (const [unit, owner] of [...owners]) {
        if (owner.agent !== op.agent) continue;
        owners.delete(unit);
        if (graph.status(unit) !== "started") continue;
        const what =
          op.why === "lease" ? "stopped renewing its lease (host gone, killed or cut off)" : "stopped";
        const reason = `the agent on host ${owner.host} (pid ${owner.pid}) that started it ${what}`;
        events.push(...graph.fail(unit, reason, op.at));
      }
      return events;
    }
  }
}
