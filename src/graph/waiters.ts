import { type FailedDependency, rootFailure } from "./failure.ts";
import type { Graph } from "./graph.ts";
import type { GraphEvent } from "./types.ts";

export { describeFailure, type FailedDependency } from "./failure.ts";

/**
 * Someone blocked on the graph. A "start" waiter waits until its unit is ready (every direct
 * dependency completed); a "complete" waiter waits until its units complete (all of them, or with
 * `any` the first), without registering anything.
 */
export type Waiter =
  | { id: number; kind: "start"; unit: string }
  | { id: number; kind: "complete"; units: readonly string[]; any: boolean };

/** What ended a wait. */
export type Outcome =
  | { kind: "ready" }
  | { kind: "completed"; units: string[] }
  | { kind: "dependency_failed"; failures: FailedDependency[] };

export interface Resolution {
  waiter: Waiter;
  outcome: Outcome;
}

/** How the given waiter stands in the graph now: resolved (with an outcome) or still waiting (undefined). */
export function evaluate(graph: Graph, waiter: Waiter): Outcome | undefined {
  if (waiter.kind === "start") {
    const chain = graph.failedChain(waiter.unit);
    if (chain) return { kind: "dependency_failed", failures: [rootFailure(graph, chain)] };
    return graph.isReady(waiter.unit) ? { kind: "ready" } : undefined;
  }
  const completed: string[] = [];
  const failures: FailedDependency[] = [];
  for (const unit of waiter.units) {
    if (graph.status(unit) === "completed") {
      completed.push(unit);
      continue;
    }
    const chain = graph.failedChain(unit, true);
    if (chain) failures.push(rootFailure(graph, chain));
  }
  const total = waiter.units.length;
  if (waiter.any) {
    if (completed.length > 0) return { kind: "completed", units: completed };
    if (failures.length === total) return { kind: "dependency_failed", failures };
    return undefined;
  }
  if (failures.length > 0) return { kind: "dependency_failed", failures };
  if (completed.length === total) return { kind: "completed", units: completed };
  return undefined;
}

/**
 * The set of waiters, indexed by the units they watch, so that an event re-examines only the
 * waiters it can affect: a wake costs the number of waiters on the changed part of the graph, not
 * a poll of everything.
 */
export class WaitSet {
  readonly #byUnit = new Map<string, Set<Waiter>>();
  readonly #byId = new Map<number, Waiter>();

  /** Adds a waiter. Call `evaluate` first: a waiter that is already resolved should not be added. */
  add(waiter: Waiter): void {
    this.#byId.set(waiter.id, waiter);
    for (const unit of watched(waiter)) {
      let set = this.#byUnit.get(unit);
      if (!set) {
        set = new Set();
        this.#byUnit.set(unit, set);
      }
      set.add(waiter);
    }
  }

  /** Drops a waiter (its client went away, timed out, or it was resolved). */
  remove(id: number): void {
    const waiter = this.#byId.get(id);
    if (!waiter) return;
    this.#byId.delete(id);
    for (const unit of watched(waiter)) {
      const set = this.#byUnit.get(unit);
      set?.delete(waiter);
      if (set?.size === 0) this.#byUnit.delete(unit);
    }
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Every waiter, oldest first. */
  all(): Waiter[] {
    return [...this.#byId.values()];
  }

  /**
   * The waiters that the given events resolve, removed from the set, oldest first. Only waiters on
   * units the events can affect are examined: the dependents of a completed or started unit, and
   * everything upstream of a failure or a new edge (through units that are not completed).
   */
  settle(graph: Graph, events: readonly GraphEvent[]): Resolution[] {
    if (this.#byId.size === 0) return [];
    const touched = new Set<string>();
    for (const event of events) {
      switch (event.type) {
        case "completed":
          touched.add(event.unit);
          for (const dependent of graph.dependentsOf(event.unit)) touched.add(dependent);
          break;
        // A dependency that only has to start satisfies its dependents when it does.
        case "started":
          for (const dependent of graph.dependentsOf(event.unit)) {
            if (graph.requiredStatus(dependent, event.unit) === "started") touched.add(dependent);
          }
          break;
        case "failed":
        case "dependencies_added":
          for (const unit of upstream(graph, event.unit)) touched.add(unit);
          break;
      }
    }
    const candidates = new Set<Waiter>();
    for (const unit of touched) for (const waiter of this.#byUnit.get(unit) ?? []) candidates.add(waiter);

    const resolutions: Resolution[] = [];
    for (const waiter of [...candidates].sort((a, b) => a.id - b.id)) {
      const outcome = evaluate(graph, waiter);
      if (!outcome) continue;
      this.remove(waiter.id);
      resolutions.push({ waiter, outcome });
    }
    return resolutions;
  }
}

// --- internal ---

function watched(waiter: Waiter): readonly string[] {
  return waiter.kind === "start" ? [waiter.unit] : waiter.units;
}

/**
 * `unit` and every unit that depends on it through units that are not completed (a completed unit
 * is included, since it may be waiting to be started again, but shields what is behind it).
 */
function upstream(graph: Graph, unit: string): Set<string> {
  const seen = new Set([unit]);
  graph.traverse(unit, "up", (dependent) => {
    seen.add(dependent);
    return graph.status(dependent) === "completed" ? "skip" : "through";
  });
  return seen;
}
