import { Graph, type GraphEvent, type Millis, type Outcome, type Waiter, WaitSet } from "../graph/index.ts";
import { EventLog } from "./events.ts";

/** What ends a wait inside the agent: a graph outcome, or the agent shutting down. */
export type WaitEnd = Outcome | { kind: "shutdown" };

type WaiterSpec =
  | { kind: "start"; unit: string }
  | { kind: "complete"; units: readonly string[]; any: boolean };

/**
 * The agent's state: the graph, the waiters blocked on it, and the event history. Every change goes
 * through `apply`, which records the events and wakes exactly the waiters they resolve, at once.
 */
export class AgentState {
  readonly graph = new Graph();
  readonly waits = new WaitSet();
  readonly events: EventLog;
  readonly #callbacks = new Map<number, (end: WaitEnd) => void>();
  #nextId = 1;

  constructor(
    readonly clock: () => Millis = Date.now,
    historyLimit?: number,
  ) {
    this.events = new EventLog(historyLimit);
  }

  /** Runs a graph mutation (which throws GraphError to refuse), records its events and settles waiters. */
  apply(mutate: (graph: Graph, now: Millis) => GraphEvent[]): GraphEvent[] {
    const events = mutate(this.graph, this.clock());
    if (events.length === 0) return events;
    this.events.record(events);
    for (const { waiter, outcome } of this.waits.settle(this.graph, events)) this.#finish(waiter.id, outcome);
    return events;
  }

  /**
   * Adds a waiter whose `onEnd` is called once, synchronously with the change that resolves it (so a
   * start waiter can mark its unit started before anything else happens). Returns its id.
   */
  addWaiter(spec: WaiterSpec, onEnd: (end: WaitEnd) => void): number {
    const id = this.#nextId++;
    this.waits.add({ ...spec, id } as Waiter);
    this.#callbacks.set(id, onEnd);
    return id;
  }

  /** Drops a waiter without calling it (its client went away or timed out). */
  removeWaiter(id: number): void {
    this.waits.remove(id);
    this.#callbacks.delete(id);
  }

  /** Ends every wait with "shutdown". */
  shutdown(): void {
    for (const waiter of this.waits.all()) {
      this.waits.remove(waiter.id);
      this.#finish(waiter.id, { kind: "shutdown" });
    }
  }

  // --- internal ---

  #finish(id: number, end: WaitEnd): void {
    const callback = this.#callbacks.get(id);
    this.#callbacks.delete(id);
    callback?.(end);
  }
}
