import {
  assertValidName,
  compareNames,
  GraphError,
  type Millis,
  type NodeStatus,
  type RequiredStatus,
} from "../../graph/index.ts";
import { type LongTimer, setLongTimeout } from "../../lib/timer.ts";
import type { ListResponse, SnapshotResponse, StatusResponse } from "../../protocol/schemas.ts";
import type { EventLog } from "../events.ts";
import type { AgentState, WaitEnd } from "../state.ts";
import {
  type Answer,
  type CompletionRequest,
  dependencyFailed,
  Refusal,
  type Started,
  type StartRequest,
  type TargetState,
  type UnitState,
  type Units,
  unitsOver,
} from "../units.ts";
import type { Member } from "./redis.ts";
import type { OpRequest, SharedGraph } from "./shared.ts";
import { StoreError } from "./types.ts";

/** What `ping` adds about the store: where it is (never the credentials) and whether it is usable. */
export interface StoreInfo {
  url: string;
  health: "synced" | "unreachable" | "reset";
}

/**
 * The unit operations over a graph shared through a store. Changes are sequenced by the store and
 * applied to this agent's copy (`SharedGraph`); reads and waits run on the copy once it has caught
 * up, through the same in-memory operations a single agent uses. Only `start` differs: the grant
 * of a start is itself a change in the log, so exactly one agent's `start` wins.
 */
export class SharedUnits implements Units {
  readonly #state: AgentState;
  readonly #shared: SharedGraph;
  readonly #member: Member;
  /** Reads and completion waits: the single-agent operations, on this agent's copy. */
  readonly #local: Units;
  /** Rejected once, if the store turns out to have been reset: every held wait ends with it. */
  readonly #reset = Promise.withResolvers<never>();

  constructor(state: AgentState, shared: SharedGraph, member: Member) {
    this.#state = state;
    this.#shared = shared;
    this.#member = member;
    this.#local = unitsOver(state);
    this.#reset.promise.catch(() => {});
  }

  get events(): EventLog {
    return this.#local.events;
  }

  now(): Millis {
    return this.#local.now();
  }

  /** Ends every held wait with the store's reset error (SharedGraph's onReset). */
  storeReset(error: StoreError): void {
    this.#reset.reject(storeRefusal(error));
    this.#local.shutdown();
  }

  async want(unit: string, dependsOn: readonly string[], required?: RequiredStatus): Promise<void> {
    const req = required === "started" ? { req: "started" as const } : {};
    await this.#perform([{ t: "want", unit, deps: [...dependsOn], ...req }]);
  }

  async target(unit: string, members: readonly string[]): Promise<TargetState> {
    await this.#perform([{ t: "target", unit, deps: [...members] }]);
    return this.#state.read((graph) => ({
      members: [...graph.dependenciesOf(unit)].filter((dep) => !graph.isBeforeAll(dep)),
      status: graph.status(unit),
    }));
  }

  async beforeAll(unit: string): Promise<void> {
    await this.#perform([{ t: "before_all", unit }]);
  }

  async start({ unit, dependsOn, ...options }: StartRequest): Promise<Answer<Started>> {
    const asked: OpRequest[] = dependsOn?.length ? [{ t: "want", unit, deps: [...dependsOn] }] : [];
    await this.#perform([...asked, { t: "request", unit }]);
    const spec = { kind: "start", unit } as const;
    const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : 0;
    // Ready now: ask for the grant before answering, so the answer is "started" or a refusal.
    for (;;) {
      const now = this.#state.evaluate(spec);
      if (now?.kind === "dependency_failed") throw dependencyFailed(now.failures);
      if (!now) break;
      const granted = await this.#grant(unit, false, options.signal);
      if (granted) return { kind: "done", value: granted };
    }
    const unmet = this.#state.unmetOf(spec);
    const end = (async () => {
      for (;;) {
        await this.#ready(unit, deadline, { unit, ...options });
        const granted = await this.#grant(unit, true, options.signal);
        if (granted) return granted;
      }
    })();
    return { kind: "waiting", unmet, end: this.#endsOnReset(end) };
  }

  async complete(unit: string): Promise<NodeStatus> {
    await this.#perform([{ t: "complete", unit }]);
    return this.#state.read((graph) => graph.status(unit));
  }

  async fail(unit: string, reason: string): Promise<NodeStatus> {
    await this.#perform([{ t: "fail", unit, reason }]);
    return this.#state.read((graph) => graph.status(unit));
  }

  async waitFor(request: CompletionRequest): Promise<Answer<string[]>> {
    await this.#sync();
    const answer = await this.#local.waitFor(request);
    if (answer.kind === "done") return answer;
    return { ...answer, end: this.#endsOnReset(this.#storeAtTimeout(answer.end)) };
  }

  /** The copy's view, without a round trip: for the script runner's own bookkeeping. */
  stateOf(unit: string): UnitState {
    return this.#local.stateOf(unit);
  }

  async status(unit: string): Promise<StatusResponse> {
    await this.#sync();
    return this.#local.status(unit);
  }

  async list(): Promise<ListResponse> {
    await this.#sync();
    return this.#local.list();
  }

  async snapshot(): Promise<SnapshotResponse> {
    await this.#sync();
    return this.#local.snapshot();
  }

  info(): { waiters: number; store: StoreInfo } {
    return {
      ...(this.#local.info() as { waiters: number }),
      store: { url: this.#shared.display, health: this.#shared.health },
    };
  }

  shutdown(): void {
    this.#local.shutdown();
  }

  // --- internal ---

  async #perform(ops: OpRequest[]): Promise<void> {
    // Names are checked here, before anything reaches the log; the rules that depend on the graph
    // are decided where the entry lands in the log.
    for (const op of ops) {
      if ("unit" in op) assertValidName(op.unit);
      if (op.t === "want" || op.t === "target") for (const dep of op.deps) assertValidName(dep);
    }
    try {
      await this.#shared.perform(ops);
    } catch (error) {
      throw asRefusal(error);
    }
  }

  async #sync(): Promise<void> {
    try {
      await this.#shared.sync();
    } catch (error) {
      throw asRefusal(error);
    }
  }

  /**
   * Asks the store to mark the unit started. Undefined when it was no longer ready by the time the
   * grant reached the log (a dependency was added meanwhile): the caller waits again.
   */
  async #grant(unit: string, waited: boolean, signal?: AbortSignal): Promise<Started | undefined> {
    try {
      await this.#perform([{ t: "started", unit, host: this.#member.host, pid: this.#member.pid }]);
    } catch (error) {
      if (error instanceof Refusal && error.code === "not_ready") return undefined;
      throw error;
    }
    if (signal?.aborted) {
      // The client went away while its start was being granted: nobody will run or complete the
      // unit, so its dependents are told at once instead of waiting forever.
      await this.#perform([
        { t: "fail", unit, reason: "its start was granted after its client had gone away" },
      ]).catch(() => {});
      return new Promise<never>(() => {});
    }
    return this.#state.read((graph) => ({
      unit,
      dependencies: [...graph.dependenciesOf(unit)].sort(compareNames),
      waited,
      at: graph.get(unit)?.times.startedAt ?? this.now(),
    }));
  }

  /** Resolves when this copy shows the unit ready; rejects on a failed dependency, the timeout, a shutdown. */
  #ready(unit: string, deadline: number, { signal, onProgress }: StartRequest): Promise<void> {
    const spec = { kind: "start", unit } as const;
    const now = this.#state.evaluate(spec);
    if (now?.kind === "dependency_failed") return Promise.reject(dependencyFailed(now.failures));
    if (now) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
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
        if (end.kind === "shutdown") reject(new Refusal("shutting_down", "the agent is shutting down"));
        else if (end.kind === "dependency_failed") reject(dependencyFailed(end.failures));
        else resolve();
      },
      onProgress,
    );
    if (deadline) {
      timer = setLongTimeout(
        () => {
          cancel();
          const problem = this.#shared.problem();
          reject(
            problem
              ? storeRefusal(problem)
              : new Refusal("timeout", `timeout waiting for dependencies of unit '${unit}'`),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
    }
    signal?.addEventListener("abort", cancel, { once: true });
    return promise;
  }

  /** A wait that times out while the store is unreachable ends with the store's error, not a plain timeout. */
  #storeAtTimeout<T>(end: Promise<T>): Promise<T> {
    return end.catch((error) => {
      const problem = this.#shared.problem();
      if (error instanceof Refusal && error.code === "timeout" && problem) throw storeRefusal(problem);
      throw error;
    });
  }

  #endsOnReset<T>(end: Promise<T>): Promise<T> {
    return Promise.race([end, this.#reset.promise]);
  }
}

// --- internal ---

function storeRefusal(error: StoreError): Refusal {
  return new Refusal("store_unavailable", error.message);
}

function asRefusal(error: unknown): unknown {
  if (error instanceof StoreError) return storeRefusal(error);
  if (error instanceof GraphError) return new Refusal(error.code, error.message);
  return error;
}
