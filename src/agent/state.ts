import {
  compareNames,
  evaluate,
  Graph,
  type GraphEvent,
  type Millis,
  type Outcome,
  type Waiter,
  WaitSet,
} from "../graph/index.ts";
import { EventLog } from "./events.ts";

/** What ends a wait inside the agent: a graph outcome, or the agent shutting down. */
export type WaitEnd = Outcome | { kind: "shutdown" };

/** A waiter as the routes describe it; the state gives it its id. */
export type WaiterSpec =
  | { kind: "start"; unit: string }
  | { kind: "complete"; units: readonly string[]; any: boolean };

/** Called with a waiter's still-unmet units whenever that set changes but the wait goes on. */
export type ProgressCallback = (unmet: string[]) => void;

/** What a waiter still waits for: a start waiter's unmet dependencies, or the units not completed yet. */
export function unmetOf(graph: Graph, spec: WaiterSpec): string[] {
  if (spec.kind === "start") return graph.unmetDependencies(spec.unit);
  return spec.units.filter((unit) => graph.status(unit) !== "completed").sort(compareNames);
}

/**
 * The agent's state: the graph, the waiters blocked on it, and the event history. Every change goes
 * through `apply`, which records the events and wakes exactly the waiters they resolve, at once.
 * Only the unit operations (units.ts) hold one: they own the rules, this owns the bookkeeping.
 */
export class AgentState {
  readonly #graph = new Graph();
  readonly #waits = new WaitSet();
  readonly events: EventLog;
  readonly #callbacks = new Map<number, (end: WaitEnd) => void>();
  readonly #progress = new Map<number, { spec: WaiterSpec; unmet: string; report: ProgressCallback }>();
  /** The ids in #progress by the units they watch, so an event looks only at the waiters it can affect. */
  readonly #progressByUnit = new Map<string, Set<number>>();
  #nextId = 1;

  constructor(
    readonly clock: () => Millis = Date.now,
    historyLimit?: number,
  ) {
    this.events = new EventLog(historyLimit);
  }

  /** Runs a graph mutation (which throws GraphError to refuse), records its events and settles waiters. */
  apply(mutate: (graph: Graph, now: Millis) => GraphEvent[]): GraphEvent[] {
    const events = mutate(this.#graph, this.clock());
    if (events.length === 0) return events;
    this.events.record(events);
    for (const { waiter } of this.#waits.settle(this.#graph, events)) {
      // Judge each woken waiter afresh: an earlier one in this loop may have started a unit, and a
      // unit that is no longer ready goes back to waiting instead of getting an error.
      const outcome = evaluate(this.#graph, waiter);
      if (outcome) this.#finish(waiter.id, outcome);
      else this.#waits.add(waiter);
    }
    if (this.#progress.size > 0) this.#reportProgress(events);
    return events;
  }

  /** Answers a query on the graph (views, statuses); changes go through `apply`. */
  read<T>(query: (graph: Graph, now: Millis) => T): T {
    return query(this.#graph, this.clock());
  }

  /** How the waiter described by `spec` stands now: resolved (an outcome) or still waiting (undefined). */
  evaluate(spec: WaiterSpec): Outcome | undefined {
    return evaluate(this.#graph, { ...spec, id: 0 } as Waiter);
  }

  /** What the waiter described by `spec` still waits for. */
  unmetOf(spec: WaiterSpec): string[] {
    return unmetOf(this.#graph, spec);
  }

  /** How many waiters are blocked. */
  get waiterCount(): number {
    return this.#waits.size;
  }

  /**
   * Adds a waiter whose `onEnd` is called once, synchronously with the change that resolves it (so a
   * start waiter can mark its unit started before anything else happens). Returns its id.
   */
  addWaiter(spec: WaiterSpec, onEnd: (end: WaitEnd) => void, onProgress?: ProgressCallback): number {
    const id = this.#nextId++;
    this.#waits.add({ ...spec, id } as Waiter);
    this.#callbacks.set(id, onEnd);
    if (onProgress) {
      this.#progress.set(id, { spec, unmet: unmetOf(this.#graph, spec).join("\n"), report: onProgress });
      for (const unit of watchedBy(spec)) {
        const ids = this.#progressByUnit.get(unit) ?? new Set();
        this.#progressByUnit.set(unit, ids.add(id));
      }
    }
    return id;
  }

  /** Drops a waiter without calling it (its client went away or timed out). */
  removeWaiter(id: number): void {
    this.#waits.remove(id);
    this.#callbacks.delete(id);
    this.#dropProgress(id);
  }

  /** Ends every wait with "shutdown". */
  shutdown(): void {
    for (const waiter of this.#waits.all()) {
      this.#waits.remove(waiter.id);
      this.#finish(waiter.id, { kind: "shutdown" });
    }
  }

  // --- internal ---

  #finish(id: number, end: WaitEnd): void {
    const callback = this.#callbacks.get(id);
    this.#callbacks.delete(id);
    this.#dropProgress(id);
    callback?.(end);
  }

  /**
   * Tells the waiters that are still waiting, and whose unmet set these events changed, what they
   * now wait for. Only waiters on the changed units and their direct dependents are examined
   * (the only ones whose unmet set can change), so this costs what `settle` does, not a scan.
   */
  #reportProgress(events: readonly GraphEvent[]): void {
    const touched = new Set<string>();
    for (const event of events) {
      if (event.type === "registered" || event.type === "waiting") continue;
      touched.add(event.unit);
      for (const dependent of this.#graph.dependentsOf(event.unit)) touched.add(dependent);
    }
    const ids = new Set<number>();
    for (const unit of touched) for (const id of this.#progressByUnit.get(unit) ?? []) ids.add(id);
    for (const id of ids) {
      const entry = this.#progress.get(id);
      if (!entry) continue;
      const unmet = unmetOf(this.#graph, entry.spec);
      const key = unmet.join("\n");
      if (key === entry.unmet || unmet.length === 0) continue;
      entry.unmet = key;
      entry.report(unmet);
    }
  }

  #dropProgress(id: number): void {
    const entry = this.#progress.get(id);
    if (!entry) return;
    this.#progress.delete(id);
    for (const unit of watchedBy(entry.spec)) {
      const ids = this.#progressByUnit.get(unit);
      ids?.delete(id);
      if (ids?.size === 0) this.#progressByUnit.delete(unit);
    }
  }
}

// --- internal ---

function watchedBy(spec: WaiterSpec): readonly string[] {
  return spec.kind === "start" ? [spec.unit] : spec.units;
}
