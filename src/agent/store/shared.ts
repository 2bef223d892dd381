import * as v from "valibot";
import { GraphError, type GraphEvent } from "../../graph/index.ts";
import type { AgentState } from "../state.ts";
import { applyOp, EntrySchema, type Op, type Owner } from "./ops.ts";
import type { Member } from "./redis.ts";
import { type LogEntry, type SharedLog, StoreError } from "./types.ts";

/** An operation as the agent asks for it; the time is stamped when it is sent. */
export type OpRequest = Op extends infer O ? (O extends Op ? Omit<O, "at"> : never) : never;

/** How the agent stands with its store. */
export type StoreHealth = "synced" | "unreachable" | "reset";

export interface SharedGraphOptions {
  state: AgentState;
  log: SharedLog;
  member: Member;
  /** How often the lease is renewed, and how often the agent looks for expired leases. */
  renewMs: number;
  /** How long a lease lives unrenewed. */
  leaseMs: number;
  /** How long one store command may take before the store counts as unreachable. */
  timeoutMs: number;
  /** Diagnostics (never credentials: the log's `display` has none). */
  report?: (level: "info" | "warn" | "error", message: string) => void;
  /** Called once when the store turns out to have been reset: the shared graph is gone. */
  onReset?: (error: StoreError) => void;
}

/** How long a blocking read waits for news before it is sent again. */
const READ_BLOCK_MS = 1000;

/**
 * This agent's copy of a graph shared through a store. Every change is appended to the store's log
 * first and applied here when read back, in log order, exactly as every other agent applies it;
 * so a `start` on one host is released by a `complete` on another, and the graph's own rules
 * (atomic `want`, cycles, one `start` wins, failures reach every waiter) hold across agents.
 */
export class SharedGraph {
  readonly #options: SharedGraphOptions;
  readonly #owners = new Map<string, Owner>();
  readonly #pending = new Map<number, (result: GraphEvent[] | Error) => void>();
  readonly #progress = new Set<{ position: number; resolve: () => void }>();
  #epoch = "";
  #applied = 0;
  /** The head seen when the store came back: the copy is synced again once it has applied this far. */
  #catchUpTo = 0;
  #health: StoreHealth = "unreachable";
  #problem: StoreError | undefined;
  #nextRequest = 1;
  #closed = false;
  #timers: Timer[] = [];
  #reading: Promise<void> | undefined;
  /** No expiries before this time: after an outage, live agents get one lease to renew theirs. */
  #sweepAfter = 0;
  /** Periodic jobs still running: a slow store never gets a second one stacked on top. */
  readonly #busy = new Set<"renew" | "sweep">();

  constructor(options: SharedGraphOptions) {
    this.#options = options;
  }

  /** Where the store is, safe to print. */
  get display(): string {
    return this.#options.log.display;
  }

  get health(): StoreHealth {
    return this.#health;
  }

  /** The position of the last entry applied to this copy. */
  get applied(): number {
    return this.#applied;
  }

  /** Joins the namespace and catches up with its log; throws a StoreError when the store is unreachable. */
  async open(): Promise<void> {
    const { epoch, head } = await this.#options.log.join();
    this.#epoch = epoch;
    while (this.#applied < head) {
      const entries = await this.#options.log.read(this.#applied, 0);
      if (entries.length === 0) break;
      this.#applyAll(entries);
    }
    this.#health = "synced";
    this.#reading = this.#readLoop();
    const { renewMs } = this.#options;
    this.#timers.push(setInterval(() => void this.#renew(), renewMs));
    this.#timers.push(setInterval(() => void this.#sweep(), Math.min(renewMs, 500)));
  }

  /**
   * Appends operations as one entry and resolves with their events once this copy has applied it.
   * A refusal rejects with the GraphError every copy reached; an unreachable store with a StoreError.
   */
  async perform(ops: readonly OpRequest[]): Promise<GraphEvent[]> {
    this.#assertUsable();
    const at = this.#options.state.clock();
    const r = this.#nextRequest++;
    const entry = JSON.stringify({ a: this.#options.member.id, r, ops: ops.map((op) => ({ ...op, at })) });
    const { promise, resolve } = Promise.withResolvers<GraphEvent[] | Error>();
    this.#pending.set(r, resolve);
    try {
      await this.#options.log.append(this.#epoch, entry);
    } catch (error) {
      this.#pending.delete(r);
      throw this.#fault(error);
    }
    const result = await this.#deadline(promise, () => this.#pending.delete(r));
    if (result instanceof Error) throw result;
    return result;
  }

  /** Resolves once this copy has applied every entry the store held when called (reads see writes made anywhere). */
  async sync(): Promise<void> {
    this.#assertUsable();
    let head: number;
    try {
      head = await this.#options.log.head(this.#epoch);
    } catch (error) {
      throw this.#fault(error);
    }
    await this.#caughtUp(head);
  }

  /** The error every request gets while the store cannot be trusted, or undefined when it can. */
  problem(): StoreError | undefined {
    if (this.#health === "synced") return undefined;
    return this.#problem ?? new StoreError("unavailable", `the shared store ${this.display} is unreachable`);
  }

  /**
   * Stops: the units this agent started fail ("stopped"), its lease is given up, connections close.
   * With `leave: false` it only stops, as a killed agent would: the lease runs out on its own.
   */
  async close({ leave = true }: { leave?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (leave && this.#health === "synced") {
      try {
        await this.perform([{ t: "expire", agent: this.#options.member.id, why: "stopped" }]);
        await this.#options.log.leave();
      } catch {
        // Unreachable now: the lease simply runs out, and the others fail those units then.
      }
    }
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#options.log.close();
    await this.#reading?.catch(() => {});
  }

  // --- internal ---

  #assertUsable(): void {
    const problem = this.problem();
    if (problem) throw problem;
  }

  /** A failure of the store as the StoreError to answer with; it also marks the store unreachable (or reset). */
  #fault(error: unknown): StoreError {
    if (!(error instanceof StoreError)) {
      return new StoreError("unavailable", `the shared store ${this.display} failed: ${String(error)}`);
    }
    if (error.kind === "reset") this.#reset(error);
    // A lost lease is an outage seen late: the way back (renew, catch up) is the same.
    else this.#unreachable(error);
    return error;
  }

  #unreachable(error: StoreError): void {
    if (this.#health === "reset") return;
    if (this.#health === "synced") this.#options.report?.("warn", error.message);
    this.#health = "unreachable";
    this.#problem = error;
  }

  #reset(error: StoreError): void {
    if (this.#health === "reset") return;
    this.#health = "reset";
    this.#problem = error;
    this.#options.report?.("error", error.message);
    for (const resolve of this.#pending.values()) resolve(error);
    this.#pending.clear();
    this.#options.onReset?.(error);
  }

  async #readLoop(): Promise<void> {
    const { log } = this.#options;
    while (!this.#closed && this.#health !== "reset") {
      try {
        if (this.#health === "unreachable") {
          // Back from an outage: check the epoch and the lease, note where the log ends now, and
          // answer nothing until this copy has applied that far (changes made meanwhile are in the
          // log; the notifications for them were never seen).
          this.#catchUpTo = await log.head(this.#epoch);
          if (!(await log.renew(this.#epoch))) this.#leaseRetaken();
        }
        const entries = await log.read(this.#applied, this.#applied < this.#catchUpTo ? 0 : READ_BLOCK_MS);
        this.#applyAll(entries);
        if (this.#health === "unreachable" && this.#applied >= this.#catchUpTo) {
          this.#health = "synced";
          // A store that stalled longer than a lease (SIGSTOP, a failover) lets every lease lapse at
          // once: the agents that are alive take theirs again within a renewal; only then is a
          // missing lease evidence that its agent is gone.
          this.#sweepAfter = Date.now() + this.#options.leaseMs;
          this.#problem = undefined;
          this.#options.report?.("info", `the shared store ${this.display} is reachable again`);
        }
      } catch (error) {
        if (this.#closed) return;
        this.#fault(error);
        await Bun.sleep(200);
      }
    }
  }

  #applyAll(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      if (entry.position <= this.#applied) continue;
      this.#applyEntry(entry);
      this.#applied = entry.position;
    }
    for (const waiter of this.#progress) {
      if (this.#applied < waiter.position) continue;
      this.#progress.delete(waiter);
      waiter.resolve();
    }
  }

  #applyEntry(raw: LogEntry): void {
    let entry: v.InferOutput<typeof EntrySchema>;
    try {
      entry = v.parse(EntrySchema, JSON.parse(raw.text));
    } catch {
      // Written by something else (or a newer unitsync): skipped alike by every agent of this version.
      this.#options.report?.(
        "warn",
        `skipped entry ${raw.position} of the shared log: not one this agent understands`,
      );
      return;
    }
    const { state } = this.#options;
    let result: GraphEvent[] | Error = [];
    for (const op of entry.ops) {
      try {
        result.push(...state.apply((graph) => applyOp(graph, op, entry.a, this.#owners)));
      } catch (error) {
        // Not a refusal: a bug, hit alike by every copy. Report it and go on with the log, rather
        // than read this entry again forever.
        if (!(error instanceof GraphError)) {
          this.#options.report?.("error", `entry ${raw.position} of the shared log failed: ${String(error)}`);
        }
        result = error instanceof Error ? error : new Error(String(error));
        break;
      }
    }
    if (entry.a !== this.#options.member.id) return;
    const resolve = this.#pending.get(entry.r);
    this.#pending.delete(entry.r);
    resolve?.(result);
  }

  async #caughtUp(position: number): Promise<void> {
    if (this.#applied >= position) return;
    const { promise, resolve } = Promise.withResolvers<void>();
    const waiter = { position, resolve };
    this.#progress.add(waiter);
    await this.#deadline(
      promise.then(() => undefined),
      () => this.#progress.delete(waiter),
    );
  }

  /** Waits for this copy to apply something, at most a read's wait plus the store's timeout. */
  async #deadline<T>(promise: Promise<T>, giveUp: () => void): Promise<T> {
    const ms = READ_BLOCK_MS + this.#options.timeoutMs;
    let timer: Timer | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        giveUp();
        reject(
          this.problem() ??
            new StoreError(
              "unavailable",
              `the shared store ${this.display} is unreachable: its log was not read within ${ms} ms`,
            ),
        );
      }, ms);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #renew(): Promise<void> {
    if (this.#closed || this.#health !== "synced" || this.#busy.has("renew")) return;
    this.#busy.add("renew");
    try {
      if (!(await this.#options.log.renew(this.#epoch))) this.#leaseRetaken();
    } catch (error) {
      this.#fault(error);
    } finally {
      this.#busy.delete("renew");
    }
  }

  #leaseRetaken(): void {
    this.#options.report?.(
      "warn",
      `this agent's lease in ${this.display} had expired and was taken again; units it had started may have been failed by the other agents`,
    );
  }

  /** Fails the units started by agents whose lease is gone: every agent looks, the store lets one expiry in. */
  async #sweep(): Promise<void> {
    if (this.#closed || this.#health !== "synced" || Date.now() < this.#sweepAfter) return;
    const self = this.#options.member.id;
    const others = new Set<string>();
    for (const [unit, owner] of this.#owners) {
      if (owner.agent !== self && this.#options.state.read((graph) => graph.status(unit)) === "started")
        others.add(owner.agent);
    }
    if (others.size === 0 || this.#busy.has("sweep")) return;
    this.#busy.add("sweep");
    try {
      for (const agent of await this.#options.log.gone([...others])) {
        const entry = JSON.stringify({
          a: self,
          r: 0,
          ops: [{ t: "expire", agent, why: "lease", at: this.#options.state.clock() }],
        });
        await this.#options.log.append(this.#epoch, entry, agent);
      }
    } catch (error) {
      this.#fault(error);
    } finally {
      this.#busy.delete("sweep");
    }
  }
}
