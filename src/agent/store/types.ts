/**
 * The seam between the agent and a shared store. The store is an ordered log of operations that
 * every agent of a namespace applies, in the same order, to its own copy of the graph: the engine
 * decides the order atomically (one Lua script per append in Redis), and the one pure graph decides
 * every rule identically on every copy. Anything that offers an atomic conditional append, ordered
 * reads from a position, and keys that expire (etcd, NATS JetStream) can sit behind this interface.
 */
export interface SharedLog {
  /** Where the store is, without credentials: safe for logs, errors and `ping`. */
  readonly display: string;
  /**
   * Joins the namespace: creates the epoch if there is none yet (a fresh or flushed store), takes
   * (or renews) this member's lease, and returns the epoch and the position of the last entry.
   */
  join(): Promise<{ epoch: string; head: number }>;
  /**
   * Appends one entry after checking, atomically with the append, that the epoch is still `epoch`
   * and that this member's lease is alive. With `ifGone`, the entry is appended only while that
   * member's lease is absent (an expiry), else nothing is appended and undefined returned.
   */
  append(epoch: string, entry: string, ifGone?: string): Promise<number | undefined>;
  /** The entries after `after`, oldest first; waits up to `blockMs` for one when there are none. */
  read(after: number, blockMs: number): Promise<LogEntry[]>;
  /** The position of the last entry, after checking the epoch. */
  head(epoch: string): Promise<number>;
  /** Extends this member's lease; false when it had already expired (it is taken again). */
  renew(epoch: string): Promise<boolean>;
  /** Which of these members hold no lease any more. */
  gone(members: readonly string[]): Promise<string[]>;
  /** Gives up this member's lease (a graceful stop). */
  leave(): Promise<void>;
  /** Drops the connections. */
  close(): void;
}

/** One entry of the log: its position (1, 2, 3...) and its text. */
export interface LogEntry {
  position: number;
  text: string;
}

/** Why the store could not answer: a one-line message that names the store, never its credentials. */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    /** "unavailable": unreachable, refused, too slow, or wrong credentials; "reset": the epoch changed. */
    readonly kind: "unavailable" | "reset" | "lease_lost",
    message: string,
  ) {
    super(message);
  }
}
