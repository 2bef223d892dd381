import type { GraphEvent } from "../graph/index.ts";
import type { Event } from "../protocol/schemas.ts";

/** How many events the agent keeps; older ones are dropped first (documented in docs/protocol.md). */
export const EVENT_HISTORY_LIMIT = 10_000;

/** The bounded history of state changes, and the live subscribers that follow it. */
export class EventLog {
  readonly #history: Event[] = [];
  readonly #subscribers = new Set<(event: Event) => void>();
  readonly #closers = new Set<() => void>();
  #seq = 0;
  #closed = false;

  constructor(readonly limit = EVENT_HISTORY_LIMIT) {}

  /** Records graph events, numbering them, and hands each to every subscriber. */
  record(events: readonly GraphEvent[]): Event[] {
    const recorded = events.map((event) => toWireEvent(event, ++this.#seq));
    for (const event of recorded) {
      this.#history.push(event);
      for (const subscriber of this.#subscribers) subscriber(event);
    }
    // Trim in batches: one splice per limit/4 events keeps recording O(1) amortized.
    if (this.#history.length > this.limit + (this.limit >> 2)) {
      this.#history.splice(0, this.#history.length - this.limit);
    }
    return recorded;
  }

  /** The kept events, oldest first. */
  history(): readonly Event[] {
    return this.#history.length > this.limit ? this.#history.slice(-this.limit) : this.#history;
  }

  /**
   * Calls `fn` with every event recorded from now on, until the returned function is called;
   * `onClose` is called once if the log is closed first (the agent stopping).
   */
  subscribe(fn: (event: Event) => void, onClose?: () => void): () => void {
    this.#subscribers.add(fn);
    if (onClose) this.#closers.add(onClose);
    return () => {
      this.#subscribers.delete(fn);
      if (onClose) this.#closers.delete(onClose);
    };
  }

  /** How many subscribers are listening (the agent's own log, and each `events --follow`). */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Whether `close` was called: no more events will come. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Ends every subscription (the agent is stopping), so that followers' streams end at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const closers = [...this.#closers];
    this.#closers.clear();
    for (const onClose of closers) onClose();
  }
}

/** A graph event in its wire form (the fields of `events -o json`). */
export function toWireEvent(event: GraphEvent, seq: number): Event {
  const wire: Event = { seq, time: new Date(event.at).toISOString(), type: event.type, unit: event.unit };
  if (event.type === "dependencies_added") wire.depends_on = event.dependsOn;
  if (event.type === "waiting") wire.unmet = event.unmet;
  if (event.type === "failed") wire.reason = event.reason;
  return wire;
}
