import {
  compareNames,
  describeFailure,
  type FailedDependency,
  type Graph,
  GraphError,
  type GraphEvent,
  type Millis,
  type NodeStatus,
  type Outcome,
  type RequiredStatus,
} from "../graph/index.ts";
import { type LongTimer, setLongTimeout } from "../lib/timer.ts";
import type { ErrorCode, ListResponse, SnapshotResponse, StatusResponse } from "../protocol/schemas.ts";
import { listJson, snapshot, snapshotJson, statusOf, summaryOf } from "./answers.ts";
import type { EventLog } from "./events.ts";
import { AgentState, type WaitEnd, type WaiterSpec } from "./state.ts";

/**
 * A refused unit operation: a protocol error code, a one-line message, and for "dependency_failed"
 * each failed chain. Graph refusals arrive as one too, with the graph's code.
 */
export class Refusal extends Error {
  override name = "Refusal";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly failures?: FailedDependency[],
  ) {
    super(message);
  }
}

/** The answer to a call that may have to wait: known at once, or after waiting for `unmet`. */
export type Answer<T> =
  | { kind: "done"; value: T }
  /** `end` rejects with a Refusal (dependency failed, timeout, shutdown); it never settles once cancelled. */
  | { kind: "waiting"; unmet: string[]; end: Promise<T> };

/** How a caller waits: bounded or not, cancellable, told when what it waits for changes. */
export interface WaitOptions {
  /** Ends the wait with a "timeout" refusal after this long; 0 or absent waits until resolved. */
  timeoutMs?: number;
  /** Abort to drop the wait (the caller went away): nothing is marked and `end` never settles. */
  signal?: AbortSignal;
  /** Called with the still-unmet units each time that set changes while the wait goes on. */
  onProgress?: (unmet: string[]) => void;
}

export interface StartRequest extends WaitOptions {
  unit: string;
  /** Declared (as by `want`) before the start is asked. */
  dependsOn?: readonly string[];
}

/** A unit that `start` marked started. */
export interface Started {
  unit: string;
  /** Its direct dependencies, sorted. */
  dependencies: string[];
  /** Whether it had to wait for them. */
  waited: boolean;
  /** When the graph recorded it started (the state's clock). */
  at: Millis;
}

export interface CompletionRequest extends WaitOptions {
  units: readonly string[];
  /** Resolve on the first unit to complete instead of on all of them. */
  any?: boolean;
}

/** A target as declared: every member it has now, and its status (completed at once if they all are). */
export interface TargetState {
  members: string[];
  status: NodeStatus;
}

/** A unit's status and, while it is failed, the reason. */
export interface UnitState {
  status: NodeStatus;
  reason?: string;
}

/**
 * The agent's use cases: every rule above the graph (the start flow, waits and their timeouts,
 * refusal wording) lives behind this one interface. The HTTP routes and the script runner are
 * adapters over it and never touch the graph or the wait set. Calls throw a Refusal to refuse.
 *
 * The in-memory implementation answers synchronously. A store-backed one (Redis, issue 16) would
 * return promises from the same methods: the routes already `await` each call, and wait ends are
 * promises already. Rules that outlive one call live here too, not in the adapters: `run`'s lease
 * (`holdStarted` below), targets and services.
 */
export interface Units {
  /** Declares that `unit` depends on each of `dependsOn`, atomically, each edge with `required` (default "completed"). */
  want(unit: string, dependsOn: readonly string[], required?: RequiredStatus): Awaitable<void>;
  /** Declares `unit` a target of `members` (more may be added until it has completed). */
  target(unit: string, members: readonly string[]): Awaitable<TargetState>;
  /** Makes every other unit, present and future, depend on `unit`. */
  beforeAll(unit: string): Awaitable<void>;
  /** Registers `unit`, waits until it is ready, marks it started. */
  start(request: StartRequest): Awaitable<Answer<Started>>;
  /** Marks `unit` completed; returns its new status. */
  complete(unit: string): Awaitable<NodeStatus>;
  /** Marks `unit` failed with `reason`; returns its new status. */
  fail(unit: string, reason: string): Awaitable<NodeStatus>;
  /** Waits until the units complete (all, or with `any` the first), registering nothing; resolves with the completed ones. */
  waitFor(request: CompletionRequest): Awaitable<Answer<string[]>>;
  /** A unit's status and reason, cheaply and at once (for the runner's own bookkeeping). */
  stateOf(unit: string): UnitState;
  /** The answer to `status <unit>`; refused for a name never mentioned. */
  status(unit: string): Awaitable<StatusResponse>;
  /** Every registered unit, for `list`. */
  list(): Awaitable<ListResponse>;
  /** Every unit with its edges, state and times, for `graph` and `timeline`. */
  snapshot(): Awaitable<SnapshotResponse>;
  /**
   * `list()` and `snapshot()` as the JSON bytes the routes send (exactly JSON.stringify of them),
   * where an implementation can write them without building the answer first: at 10,000 units that
   * is several MiB less garbage per view (docs/benchmarks.md). The routes fall back to the objects.
   */
  listJson?(): Awaitable<Uint8Array<ArrayBuffer>>;
  snapshotJson?(): Awaitable<Uint8Array<ArrayBuffer>>;
  /** What `ping` reports about the units (and, with a shared store, about the store). */
  info(): { waiters: number; store?: { url: string; health: "synced" | "unreachable" | "reset" } };
  /** The state changes, recorded and followed. */
  readonly events: EventLog;
  /** The clock the graph records times with; whoever times units uses it too, so views agree. */
  now(): Millis;
  /** Ends every wait with a "shutting_down" refusal. */
  shutdown(): void;
}

/** The units in this agent's own memory: every answer is there at once. */
export interface LocalUnits extends Units {
  want(unit: string, dependsOn: readonly string[], required?: RequiredStatus): void;
  target(unit: string, members: readonly string[]): TargetState;
  beforeAll(unit: string): void;
  start(request: StartRequest): Answer<Started>;
  complete(unit: string): NodeStatus;
  fail(unit: string, reason: string): NodeStatus;
  waitFor(request: CompletionRequest): Answer<string[]>;
  status(unit: string): StatusResponse;
  list(): ListResponse;
  snapshot(): SnapshotResponse;
  listJson(): Uint8Array<ArrayBuffer>;
  snapshotJson(): Uint8Array<ArrayBuffer>;
  info(): { waiters: number };
}

/**
 * A value now (the in-memory agent answers synchronously, and its callers need not wait a tick)
 * or later (an agent sharing its graph through a store answers after the store has).
 */
export type Awaitable<T> = T | Promise<T>;

/** The agent's units in its own memory, for its lifetime. */
export function createUnits(clock: () => Millis = Date.now): LocalUnits {
  return new InMemoryUnits(new AgentState(clock));
}

/** The in-memory operations over a given state (a shared store's copy of the graph reads through them). */
export function unitsOver(state: AgentState): LocalUnits {
  return new InMemoryUnits(state);
}

/** The message of a dependency failure, in the same words for `start`, `wait`, `run` and the runner. */
export function dependencyFailed(failures: readonly FailedDependency[]): Refusal {
  const message = failures.map((failure) => `dependency failed: ${describeFailure(failure)}`).join("; ");
  return new Refusal("dependency_failed", message || "dependency failed", [...failures]);
}

/**
 * Ties a started unit to its holder: the connection of the `run` wrapper that started it. Resolves
 * once the unit is no longer started (completed or failed, by anyone) or the agent stops. If the
 * holder goes away first (`gone` aborts: the wrapper was killed, or its connection was cut), the
 * unit is failed with `run wrapper for "<unit>" went away`, so that its dependents stop waiting
 * at once instead of timing out.
 */
export function holdStarted(units: Units, unit: string, gone: AbortSignal): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    unsubscribe();
    gone.removeEventListener("abort", lost);
    resolve();
  };
  const lost = () => {
    if (!held) return;
    release();
    if (units.stateOf(unit).status !== "started") return;
    // A refusal (someone completed it meanwhile, the store is away) leaves the unit as it is.
    Promise.resolve()
      .then(() => units.fail(unit, `run wrapper for "${unit}" went away`))
      .catch(() => {});
  };
  const unsubscribe = units.events.subscribe((event) => {
    if (event.unit === unit && (event.type === "completed" || event.type === "failed")) release();
  }, release);
  if (units.stateOf(unit).status !== "started") release();
  else if (gone.aborted) lost();
  else gone.addEventListener("abort", lost, { once: true });
  return promise;
}

// --- internal ---

const SHUTTING_DOWN = "the agent is shutting down";

class InMemoryUnits implements LocalUnits {
  readonly #state: AgentState;

  constructor(state: AgentState) {
    this.#state = state;
  }

  get events(): EventLog {
    return this.#state.events;
  }

  now(): Millis {
    return this.#state.clock();
  }

  want(unit: string, dependsOn: readonly string[], required?: RequiredStatus): void {
    this.#apply((graph, now) => graph.want(unit, dependsOn, now, required));
  }

  target(unit: string, members: readonly string[]): TargetState {
    this.#apply((graph, now) => graph.target(unit, members, now));
    return this.#state.read((graph) => ({
      members: [...graph.dependenciesOf(unit)].filter((dep) => !graph.isBeforeAll(dep)),
      status: graph.status(unit),
    }));
  }

  beforeAll(unit: string): void {
    this.#apply((graph, now) => graph.beforeAll(unit, now));
  }

  start({ unit, dependsOn, ...options }: StartRequest): Answer<Started> {
    // The graph refuses a unit that is already started; the edges are declared first so that the
    // unmet set it records in the "waiting" event includes them.
    if (dependsOn?.length) this.want(unit, dependsOn);
    this.#apply((graph, now) => graph.requestStart(unit, now));
    const started = (waited: boolean): Started => {
      this.#apply((graph, now) => graph.markStarted(unit, now));
      return this.#state.read((graph, now) => ({
        unit,
        dependencies: [...graph.dependenciesOf(unit)].sort(compareNames),
        waited,
        at: graph.get(unit)?.times.startedAt ?? now,
      }));
    };
    return this.#await(
      { kind: "start", unit },
      options,
      `timeout waiting for dependencies of unit '${unit}'`,
      // Called synchronously with the change that made the unit ready, so nothing else can start it first.
      (_outcome, waited) => started(waited),
    );
  }

  complete(unit: string): NodeStatus {
    this.#apply((graph, now) => graph.complete(unit, now));
    return this.#state.read((graph) => graph.status(unit));
  }

  fail(unit: string, reason: string): NodeStatus {
    this.#apply((graph, now) => graph.fail(unit, reason, now));
    return this.#state.read((graph) => graph.status(unit));
  }

  waitFor({ units, any = false, ...options }: CompletionRequest): Answer<string[]> {
    const unique = [...new Set(units)];
    const quoted = unique.map((unit) => `'${unit}'`).join(", ");
    return this.#await(
      { kind: "complete", units: unique, any },
      options,
      `timeout waiting for unit${unique.length > 1 ? "s" : ""} ${quoted}`,
      (outcome) => {
        if (outcome.kind !== "completed")
          throw new Refusal("internal", `unexpected wait outcome: ${outcome.kind}`);
        return outcome.units;
      },
    );
  }

  stateOf(unit: string): UnitState {
    return this.#state.read((graph) => {
      const reason = graph.reasonOf(unit);
      return reason === undefined ? { status: graph.status(unit) } : { status: graph.status(unit), reason };
    });
  }

  status(unit: string): StatusResponse {
    return this.#state.read((graph, now) => {
      if (!graph.has(unit)) throw new Refusal("not_registered", `unit "${unit}" is not registered`);
      return statusOf(graph, unit, now);
    });
  }

  list(): ListResponse {
    return this.#state.read((graph) =>
      graph
        .units()
        .filter((unit) => unit.status !== "not registered")
        .map((unit) => summaryOf(graph, unit)),
    );
  }

  snapshot(): SnapshotResponse {
    return this.#state.read(snapshot);
  }

  listJson(): Uint8Array<ArrayBuffer> {
    return this.#state.read(listJson);
  }

  snapshotJson(): Uint8Array<ArrayBuffer> {
    return this.#state.read(snapshotJson);
  }

  info(): { waiters: number } {
    return { waiters: this.#state.waiterCount };
  }

  shutdown(): void {
    this.#state.shutdown();
  }

  /** Applies a graph change; a graph refusal becomes a Refusal with the graph's code. */
  #apply(mutate: (graph: Graph, now: Millis) => GraphEvent[]): void {
    try {
      this.#state.apply(mutate);
    } catch (error) {
      if (error instanceof GraphError) throw new Refusal(error.code, error.message);
      throw error;
    }
  }

  /**
   * The one wait flow of `start` and `waitFor`: resolved now (`resolve` with waited=false, or a
   * dependency failure thrown), or a waiter that ends with `resolve`, a refusal, its timeout, or
   * never (cancelled through the signal: the caller went away, and nothing is marked).
   */
  #await<T>(
    spec: WaiterSpec,
    { timeoutMs = 0, signal, onProgress }: WaitOptions,
    timeoutMessage: string,
    resolve: (outcome: Outcome, waited: boolean) => T,
  ): Answer<T> {
    const now = this.#state.evaluate(spec);
    if (now?.kind === "dependency_failed") throw dependencyFailed(now.failures);
    if (now) return { kind: "done", value: resolve(now, false) };
    const unmet = this.#state.unmetOf(spec);
    if (signal?.aborted) return { kind: "waiting", unmet, end: new Promise<T>(() => {}) };

    const { promise, resolve: settle, reject } = Promise.withResolvers<T>();
    // A long timer: --timeout 720h must not overflow a 32-bit timer and fire at once.
    let timer: LongTimer | undefined;
    const forget = () => {
      timer?.clear();
      signal?.removeEventListener("abort", cancel);
    };
    const cancel = () => {
      forget();
      this.#state.removeWaiter(id);
    };
    const id = this.#state.addWaiter(
      spec,
      (end: WaitEnd) => {
        forget();
        try {
          if (end.kind === "shutdown") throw new Refusal("shutting_down", SHUTTING_DOWN);
          if (end.kind === "dependency_failed") throw dependencyFailed(end.failures);
          settle(resolve(end, true));
        } catch (error) {
          reject(asRefusal(error));
        }
      },
      onProgress,
    );
    if (timeoutMs > 0) {
      timer = setLongTimeout(() => {
        cancel();
        reject(new Refusal("timeout", timeoutMessage));
      }, timeoutMs);
    }
    signal?.addEventListener("abort", cancel, { once: true });
    return { kind: "waiting", unmet, end: promise };
  }
}

function asRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (error instanceof GraphError) return new Refusal(error.code, error.message);
  return new Refusal("internal", error instanceof Error ? error.message : String(error));
}
