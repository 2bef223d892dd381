import { describeFailure, rootFailure } from "./failure.ts";
import { assertValidName, compareNames } from "./names.ts";
import {
  GraphError,
  type GraphEvent,
  type Millis,
  NOT_REGISTERED,
  type NodeStatus,
  type RequiredStatus,
  type UnitTimes,
  type UnitView,
} from "./types.ts";

interface Node {
  name: string;
  /** Its place in #byIndex: dense and fixed for the graph's life (names are never removed). */
  index: number;
  status: NodeStatus;
  // Arrays, not Sets: a unit has a handful of edges, and at 10,000 units two Sets per unit cost the
  // agent several MiB. Each edge is stored once (want adds only edges that are new).
  deps: string[];
  dependents: string[];
  /** The deps whose required status is "started"; absent while there are none (the usual case). */
  startedOnly?: string[];
  /** A target completes (or fails) by itself; nobody starts it. */
  target?: true;
  reason?: string;
  times: UnitTimes;
}

/**
 * The dependency graph of units: pure data, no I/O, no clock. Every mutation validates first and
 * then applies, so a refused operation (a GraphError) leaves the graph untouched; a successful one
 * returns the events it caused, those of the targets it completed, failed or reset included.
 */
export class Graph {
  readonly #nodes = new Map<string, Node>();
  /** The same nodes in the order their names were first mentioned: `indexOf` and `nodeAt`. */
  readonly #byIndex: Node[] = [];
  /** The before-all units, in the order they were declared: every other node depends on each. */
  readonly #beforeAll: string[] = [];
  /** Targets that have not completed yet: the only ones whose status can still change. */
  readonly #openTargets = new Set<string>();
  /** The events of the mutation under way (node creation adds the before-all edges' events here). */
  #events: GraphEvent[] = [];
  /** The `now` of the mutation under way, for the events of the nodes it creates. */
  #now: Millis = 0;

  /**
   * Declares that `unit` depends on each of `deps`, atomically: all edges are added or none. Each
   * new edge gets `required` as its required status; an edge that exists with the same one is a
   * no-op, with another one an error. On a target, the dependencies are new members.
   */
  want(
    unit: string,
    deps: readonly string[],
    now: Millis,
    required: RequiredStatus = "completed",
  ): GraphEvent[] {
    assertValidName(unit);
    for (const dep of deps) assertValidName(dep);
    const fresh = this.#freshEdges(unit, deps, required);
    const node = this.#nodes.get(unit);
    if (node?.target && node.status === "completed" && fresh.length > 0) {
      throw new GraphError(
        "already_completed",
        `target "${unit}" has already completed; it cannot gain members [${fresh.join(", ")}]`,
      );
    }
    this.#assertAcyclic(unit, fresh);
    this.#events = [];
    this.#register(unit, now);
    this.#addEdges(unit, fresh, required, now);
    return this.#finish(now);
  }

  /**
   * Declares `unit` a target of `members`: a unit that completes by itself the moment every
   * dependency has completed, and fails (with the chain) while one has failed. A target with no
   * members completes at once. Members may be added (here or by `want`) until it has completed;
   * then only the members it already has are accepted, as a no-op. A plain unit becomes a target
   * only while it is pending and nobody has asked to start it.
   */
  target(unit: string, members: readonly string[], now: Millis): GraphEvent[] {
    assertValidName(unit);
    for (const member of members) assertValidName(member);
    const node = this.#nodes.get(unit);
    if (node && !node.target && node.status !== NOT_REGISTERED) {
      if (node.status !== "pending" || node.times.startRequestedAt !== undefined) {
        const what = node.status === "pending" ? "asked to start" : node.status;
        throw new GraphError(
          "target_conflict",
          `unit "${unit}" is already a unit of its own (${what}); it cannot become a target`,
        );
      }
    }
    const fresh = this.#freshEdges(unit, members, "completed");
    if (node?.target && node.status === "completed" && fresh.length > 0) {
      throw new GraphError(
        "already_completed",
        `target "${unit}" has already completed; it cannot gain members [${fresh.join(", ")}]`,
      );
    }
    this.#assertAcyclic(unit, fresh);
    this.#events = [];
    this.#register(unit, now);
    const target = this.#node(unit);
    if (!target.target) {
      target.target = true;
      this.#openTargets.add(unit);
    }
    this.#addEdges(unit, fresh, "completed", now);
    return this.#finish(now, [unit]);
  }

  /**
   * Declares `unit` a before-all unit: every other unit depends on it (required status
   * "completed"), those known now and every one mentioned later. Units already started stay
   * started (as with any edge added after a start); units waiting to start now wait for it too.
   * A cycle through it (it depends on a unit that is not before-all) is refused, naming the cycle.
   * Registers the unit. Declaring it again is a no-op.
   */
  beforeAll(unit: string, now: Millis): GraphEvent[] {
    assertValidName(unit);
    if (this.#beforeAll.includes(unit)) return [];
    // Every unit that is not before-all will depend on `unit`, so the first such unit below it
    // closes the cycle; before-all units depend only on each other, so the search goes through them.
    const down = this.traverse(unit, "down", (dep) => (this.#beforeAll.includes(dep) ? "through" : "found"));
    if (down) throw new GraphError("cycle", `cycle detected: ${[...down, unit].join(" -> ")}`);
    this.#events = [];
    this.#beforeAll.push(unit);
    this.#register(unit, now);
    const others = [...this.#nodes.values()]
      .filter((node) => !this.#beforeAll.includes(node.name) && !node.deps.includes(unit))
      .sort((a, b) => compareNames(a.name, b.name));
    for (const other of others) this.#addEdges(other.name, [unit], "completed", now);
    return this.#finish(now);
  }

  /**
   * Records that `start unit` was asked: registers the unit and notes when its wait began. Refused
   * when the unit is already started, or is a target; a completed or failed unit may be started again.
   */
  requestStart(unit: string, now: Millis): GraphEvent[] {
    assertValidName(unit);
    const existing = this.#nodes.get(unit);
    if (existing?.status === "started") {
      throw new GraphError("already_started", `unit "${unit}" is already started`);
    }
    if (existing?.target) throw targetRefusal(unit, "started");
    this.#events = [];
    this.#register(unit, now);
    const node = this.#node(unit);
    node.times.startRequestedAt ??= now;
    const unmet = this.unmetDependencies(unit);
    if (unmet.length > 0) this.#events.push({ type: "waiting", unit, unmet, at: now });
    return this.#finish(now);
  }

  /** Marks a ready unit started (the end of its `start`). */
  markStarted(unit: string, now: Millis): GraphEvent[] {
    const node = this.#registered(unit);
    if (node.status === "started")
      throw new GraphError("already_started", `unit "${unit}" is already started`);
    if (node.target) throw targetRefusal(unit, "started");
    const unmet = this.unmetDependencies(unit);
    if (unmet.length > 0) {
      throw new GraphError("not_ready", `unit "${unit}" is not ready: waiting for [${unmet.join(", ")}]`);
    }
    this.#events = [];
    node.status = "started";
    node.reason = undefined;
    node.times.startRequestedAt ??= now;
    node.times.startedAt = now;
    node.times.finishedAt = undefined;
    this.#events.push({ type: "started", unit, at: now });
    return this.#finish(now);
  }

  /** Marks a pending or started unit completed, which may make its dependents ready. */
  complete(unit: string, now: Millis): GraphEvent[] {
    const node = this.#registered(unit);
    if (node.status === "completed") {
      throw new GraphError("already_completed", `unit "${unit}" is already completed`);
    }
    if (node.target) throw targetRefusal(unit, "completed");
    if (node.status === "failed") {
      throw new GraphError(
        "failed",
        `unit "${unit}" has failed; start it again to retry before completing it`,
      );
    }
    this.#events = [];
    node.status = "completed";
    node.times.finishedAt = now;
    this.#events.push({ type: "completed", unit, at: now });
    return this.#finish(now);
  }

  /**
   * Marks a unit failed with a reason. An unregistered unit is registered as failed, so a script
   * that breaks before its `start` can still say so; a completed unit cannot fail, nor can a target.
   */
  fail(unit: string, reason: string, now: Millis): GraphEvent[] {
    assertValidName(unit);
    const existing = this.#nodes.get(unit);
    if (existing?.status === "completed") {
      throw new GraphError("already_completed", `unit "${unit}" is already completed and cannot fail`);
    }
    if (existing?.target) throw targetRefusal(unit, "failed");
    this.#events = [];
    this.#register(unit, now);
    const node = this.#node(unit);
    node.status = "failed";
    node.reason = reason;
    node.times.finishedAt = now;
    this.#events.push({ type: "failed", unit, reason, at: now });
    return this.#finish(now);
  }

  /** Whether the name was ever mentioned, as a unit or as a dependency. */
  has(unit: string): boolean {
    return this.#nodes.has(unit);
  }

  /** The unit's status; "not registered" for a name the graph has only seen as a dependency, or never. */
  status(unit: string): NodeStatus {
    return this.#nodes.get(unit)?.status ?? NOT_REGISTERED;
  }

  /** Whether `unit` is a target. */
  isTarget(unit: string): boolean {
    return this.#nodes.get(unit)?.target === true;
  }

  /** Whether `unit` is a before-all unit. */
  isBeforeAll(unit: string): boolean {
    return this.#beforeAll.includes(unit);
  }

  /** The before-all units, in the order they were declared. */
  beforeAllUnits(): readonly string[] {
    return [...this.#beforeAll];
  }

  /** The required status of the edge unit -> dep, or undefined when there is no such edge. */
  requiredStatus(unit: string, dep: string): RequiredStatus | undefined {
    const node = this.#nodes.get(unit);
    if (!node?.deps.includes(dep)) return undefined;
    return node.startedOnly?.includes(dep) ? "started" : "completed";
  }

  /** Whether the edge unit -> dep is satisfied: dep completed, or started where starting is enough. */
  isSatisfied(unit: string, dep: string): boolean {
    const node = this.#nodes.get(unit);
    return node !== undefined && this.#satisfied(node, dep);
  }

  /** A unit is ready when every direct dependency has reached its required status. */
  isReady(unit: string): boolean {
    const node = this.#nodes.get(unit);
    if (!node) return true;
    for (const dep of node.deps) if (!this.#satisfied(node, dep)) return false;
    return true;
  }

  /** The direct dependencies that have not reached their required status yet, sorted. */
  unmetDependencies(unit: string): string[] {
    const node = this.#nodes.get(unit);
    if (!node) return [];
    return node.deps.filter((dep) => !this.#satisfied(node, dep)).sort(compareNames);
  }

  /** Direct dependencies in declaration order. */
  dependenciesOf(unit: string): readonly string[] {
    return [...(this.#nodes.get(unit)?.deps ?? [])];
  }

  /** Units that declared a direct dependency on `unit`. */
  dependentsOf(unit: string): readonly string[] {
    return [...(this.#nodes.get(unit)?.dependents ?? [])];
  }

  /**
   * The shortest chain from `unit` down to a failed unit, through edges that are not satisfied (a
   * completed unit, or a started one that only had to start, shields what is behind it), e.g.
   * ["my-app", "db-migration", "db-setup"]. With `includeSelf`, a failed `unit` is its own chain;
   * otherwise only its dependencies count, since a failed unit may be started again.
   */
  failedChain(unit: string, includeSelf = false): string[] | undefined {
    if (includeSelf && this.status(unit) === "failed") return [unit];
    return this.traverse(unit, "down", (dep, from) => {
      const status = this.status(dep);
      if (status === "failed") return "found";
      return this.#satisfied(this.#nodes.get(from) as Node, dep) ? "skip" : "through";
    });
  }

  /**
   * Breadth-first search from `from` along one direction of the edges ("down" to dependencies, "up"
   * to dependents), the one traversal every search of the graph is made of (as s6-rc's libs6rc has
   * one closure parameterised by direction). `visit` is called for each edge to a unit not gone
   * through yet (`from` excluded), with the unit and the one it was reached from, and says whether
   * to go on through it, to skip it (it may be reached again by another edge: the verdict can
   * depend on the edge), or to end the search there ("found"). Returns the shortest path from
   * `from` to the found unit (both included), or undefined when nothing was found.
   */
  traverse(
    from: string,
    direction: Direction,
    visit: (unit: string, reachedFrom: string) => Visit,
  ): string[] | undefined {
    const parent = new Map<string, string>([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as string;
      const node = this.#nodes.get(current);
      for (const next of (direction === "down" ? node?.deps : node?.dependents) ?? []) {
        if (parent.has(next)) continue;
        const verdict = visit(next, current);
        if (verdict === "skip") continue;
        parent.set(next, current);
        if (verdict === "found") return pathBack(parent, next);
        queue.push(next);
      }
    }
    return undefined;
  }

  /** The failure reason of a failed unit; a failed target's names the failure behind it. */
  reasonOf(unit: string): string | undefined {
    const node = this.#nodes.get(unit);
    if (node?.target && node.status === "failed") return this.#targetReason(unit);
    return node?.reason;
  }

  /** A read-only view of one unit, or undefined if the name was never mentioned. */
  get(unit: string): UnitView | undefined {
    const node = this.#nodes.get(unit);
    return node && this.#view(node);
  }

  /** Every known name (registered or only depended upon), sorted by name. */
  units(): UnitView[] {
    return [...this.#nodes.values()].sort((a, b) => compareNames(a.name, b.name)).map((n) => this.#view(n));
  }

  /** Number of known names. */
  get size(): number {
    return this.#nodes.size;
  }

  /**
   * The dense index of a known name (0 to size - 1, in the order names were first mentioned, fixed
   * for the graph's life), or -1. With `nodeAt` and `unmetAt` it is for walks over much of a large
   * graph that keep their per-unit bookkeeping in typed arrays instead of allocating per unit
   * (explain.ts: a status read in a 10,000-unit graph visits about 2,000 units).
   */
  indexOf(unit: string): number {
    return this.#nodes.get(unit)?.index ?? -1;
  }

  /** The unit at an index from `indexOf`, read-only and not copied: read it before the next change. */
  nodeAt(index: number): NodeRecord {
    return this.#byIndex[index] as Node;
  }

  /**
   * Writes the indexes of the unit's unmet dependencies (those not at their required status) into
   * `into` from `at`, in declaration order, and returns how many; `into` must have room for all of
   * the unit's dependencies (`nodeAt(index).deps.length`).
   */
  unmetAt(index: number, into: Int32Array, at: number): number {
    const node = this.#byIndex[index] as Node;
    let count = 0;
    for (const dep of node.deps) {
      if (!this.#satisfied(node, dep)) into[at + count++] = (this.#nodes.get(dep) as Node).index;
    }
    return count;
  }

  // --- internal ---

  #node(name: string): Node {
    let node = this.#nodes.get(name);
    if (!node) {
      node = {
        name,
        index: this.#byIndex.length,
        status: NOT_REGISTERED,
        deps: [],
        dependents: [],
        times: {},
      };
      this.#nodes.set(name, node);
      this.#byIndex.push(node);
      // Every unit but the before-all ones depends on them, from the moment it is first mentioned.
      if (this.#beforeAll.length > 0 && !this.#beforeAll.includes(name)) {
        this.#addEdges(name, this.#beforeAll, "completed", this.#now);
      }
    }
    return node;
  }

  #registered(unit: string): Node {
    assertValidName(unit);
    const node = this.#nodes.get(unit);
    if (!node || node.status === NOT_REGISTERED) {
      throw new GraphError("not_registered", `unit "${unit}" is not registered`);
    }
    return node;
  }

  #register(unit: string, now: Millis): void {
    this.#now = now;
    const node = this.#node(unit);
    if (node.status !== NOT_REGISTERED) return;
    node.status = "pending";
    node.times.registeredAt = now;
    // The registration comes before the edges its creation added: "registered" opens a unit's story.
    const at = this.#events.findIndex((event) => event.unit === unit);
    const registered: GraphEvent = { type: "registered", unit: node.name, at: now };
    if (at === -1) this.#events.push(registered);
    else this.#events.splice(at, 0, registered);
  }

  /** The deps of `deps` that `unit` does not depend on yet, deduplicated; refuses a changed required status. */
  #freshEdges(unit: string, deps: readonly string[], required: RequiredStatus): string[] {
    const fresh = [...new Set(deps)].filter((dep) => this.#edgeStatus(unit, dep) === undefined);
    for (const dep of deps) {
      const existing = this.#edgeStatus(unit, dep);
      if (existing !== undefined && existing !== required) {
        const how = this.isBeforeAll(dep) && !this.isBeforeAll(unit) ? " (it is a before-all unit)" : "";
        throw new GraphError(
          "edge_conflict",
          `unit "${unit}" already depends on "${dep}" with required status ${existing}${how}; it cannot be changed to ${required}`,
        );
      }
    }
    return fresh;
  }

  /** The required status of unit -> dep, counting the edge to a before-all unit a new name will get. */
  #edgeStatus(unit: string, dep: string): RequiredStatus | undefined {
    if (this.#nodes.has(unit)) return this.requiredStatus(unit, dep);
    return this.isBeforeAll(dep) && !this.isBeforeAll(unit) ? "completed" : undefined;
  }

  /** Adds the new edges unit -> dep (already checked), creating the nodes they mention. */
  #addEdges(unit: string, fresh: readonly string[], required: RequiredStatus, now: Millis): void {
    if (fresh.length === 0) return;
    this.#now = now;
    const node = this.#node(unit);
    // Each name is kept as the one string its node holds, not as the copy each request parsed: at
    // 10,000 units and 50,000 edges those copies (in the edges and in the event history) were ~2 MiB.
    const depNodes = fresh.map((dep) => this.#node(dep));
    const deps = depNodes.map((dep) => dep.name);
    if (required === "started") node.startedOnly = [...(node.startedOnly ?? []), ...deps];
    for (const dep of depNodes) {
      node.deps.push(dep.name);
      dep.dependents.push(node.name);
    }
    this.#events.push({ type: "dependencies_added", unit: node.name, dependsOn: deps, at: now });
  }

  #satisfied(node: Node, dep: string): boolean {
    const status = this.status(dep);
    if (status === "completed") return true;
    return status === "started" && node.startedOnly?.includes(dep) === true;
  }

  /**
   * Ends a mutation: brings every target the events can affect up to date, appending the events
   * of their changes, and returns them all. Targets are settled one at a time, the first by name
   * among those whose status has changed, so the order of the events is the same whatever the
   * order of the search.
   */
  #finish(now: Millis, also: readonly string[] = []): GraphEvent[] {
    const events = this.#events;
    this.#events = [];
    if (this.#openTargets.size === 0) return events;
    const candidates = new Set<string>(also);
    // Only what an event can change is looked at, so a start or a completion costs its direct
    // dependents, not a walk up the graph (with one open target, 2,000 units took seconds):
    // readiness depends on direct dependencies only; a failure can reach a target only upstream
    // of a failure or of a new edge; and a completion or a start can end a failure only for a
    // target that has failed, upstream of it.
    const collect = (event: GraphEvent) => {
      switch (event.type) {
        case "registered":
        case "waiting":
          return;
        case "completed":
        case "started":
        case "reset": {
          for (const dependent of this.#node(event.unit).dependents) {
            if (this.#openTargets.has(dependent)) candidates.add(dependent);
          }
          if (this.#anyFailedTarget()) {
            for (const unit of this.#upstream(event.unit)) {
              if (this.#openTargets.has(unit) && this.status(unit) === "failed") candidates.add(unit);
            }
          }
          return;
        }
        case "failed":
        case "dependencies_added":
          for (const unit of this.#upstream(event.unit))
            if (this.#openTargets.has(unit)) candidates.add(unit);
      }
    };
    for (const event of events) collect(event);
    for (;;) {
      let next: { unit: string; status: NodeStatus } | undefined;
      for (const unit of candidates) {
        if (!this.#openTargets.has(unit)) continue;
        const status = this.#targetStatus(unit);
        if (status !== this.status(unit) && (!next || compareNames(unit, next.unit) < 0))
          next = { unit, status };
      }
      if (!next) return events;
      const event = this.#moveTarget(next.unit, next.status, now);
      events.push(event);
      collect(event);
    }
  }

  #anyFailedTarget(): boolean {
    for (const unit of this.#openTargets) if (this.status(unit) === "failed") return true;
    return false;
  }

  /** What a target's status should be now: completed once ready, failed while a failure is behind it. */
  #targetStatus(unit: string): NodeStatus {
    if (this.isReady(unit)) return "completed";
    return this.failedChain(unit) ? "failed" : "pending";
  }

  #moveTarget(unit: string, status: NodeStatus, now: Millis): GraphEvent {
    const node = this.#node(unit);
    node.status = status;
    if (status === "completed") {
      this.#openTargets.delete(unit);
      node.times.finishedAt = now;
      return { type: "completed", unit, at: now };
    }
    if (status === "failed") {
      node.times.finishedAt = now;
      return { type: "failed", unit, reason: this.#targetReason(unit), at: now };
    }
    node.times.finishedAt = undefined;
    return { type: "reset", unit, at: now };
  }

  #targetReason(unit: string): string {
    const chain = this.failedChain(unit);
    return chain ? `dependency failed: ${describeFailure(rootFailure(this, chain))}` : "dependency failed";
  }

  /** `unit` and every unit that depends on it through units that are not completed. */
  #upstream(unit: string): string[] {
    const found = [unit];
    this.traverse(unit, "up", (dependent) => {
      if (this.status(dependent) === "completed") return "skip";
      found.push(dependent);
      return "through";
    });
    return found;
  }

  /** Refuses the new edges unit -> dep if any of them (together with the others) closes a cycle. */
  #assertAcyclic(unit: string, fresh: readonly string[]): void {
    // A before-all unit may depend only on other before-all units: any other unit, a name not
    // mentioned yet included, depends on it.
    if (this.isBeforeAll(unit)) {
      for (const dep of fresh) {
        if (dep !== unit && !this.#nodes.has(dep)) {
          throw new GraphError("cycle", `cycle detected: ${[unit, dep, unit].join(" -> ")}`);
        }
      }
    }
    // The new edges all leave `unit`, so a cycle through several of them would pass `unit` twice:
    // any cycle uses exactly one new edge, and checking each against the existing graph suffices.
    // A new edge closes a cycle only if its dep already depends, transitively, on `unit`. The units
    // that depend on `unit` are usually few (scripts declare roughly in dependency order), while a
    // dep's own dependencies can be most of a large graph: looking upward first rules out almost
    // every request cheaply (10,000 units no longer take quadratic time); only a real cycle pays
    // for the shortest-path search below, which names it.
    // Only a dependency with dependencies of its own can lead back to `unit`: a chain declared from
    // its top (`want a b`, then `want b c`, ...) names a new unit each time, and must not pay for a
    // search over everything above it (that made 8,000 such calls take a minute).
    const leadsOn = fresh.filter((dep) => (this.#nodes.get(dep)?.deps.length ?? 0) > 0);
    if (!fresh.includes(unit) && (leadsOn.length === 0 || !this.#dependedOnByAny(unit, leadsOn))) return;
    for (const dep of fresh) {
      const back = dep === unit ? [unit] : this.#path(dep, unit);
      if (back) {
        throw new GraphError("cycle", `cycle detected: ${[unit, ...back].join(" -> ")}`);
      }
    }
  }

  /** Whether any of `candidates` depends, directly or transitively, on `unit`. */
  #dependedOnByAny(unit: string, candidates: readonly string[]): boolean {
    const wanted = new Set(candidates);
    return (
      this.traverse(unit, "up", (dependent) => (wanted.has(dependent) ? "found" : "through")) !== undefined
    );
  }

  /** A shortest path of dependency edges from `from` to `to` (both included), if one exists. */
  #path(from: string, to: string): string[] | undefined {
    return this.traverse(from, "down", (dep) => (dep === to ? "found" : "through"));
  }

  #view(node: Node): UnitView {
    const result: UnitView = {
      name: node.name,
      status: node.status,
      dependsOn: [...node.deps],
      times: { ...node.times },
    };
    if (node.startedOnly) result.startedOnly = [...node.startedOnly];
    if (node.target) result.target = true;
    if (this.#beforeAll.includes(node.name)) result.beforeAll = true;
    const reason = this.reasonOf(node.name);
    if (reason !== undefined) result.reason = reason;
    return result;
  }
}

/** One unit as `nodeAt` shows it: the graph's own record, read-only. */
export interface NodeRecord {
  readonly name: string;
  readonly status: NodeStatus;
  /** Direct dependencies, in declaration order. */
  readonly deps: readonly string[];
  /** The deps whose required status is "started"; absent while there are none. */
  readonly startedOnly?: readonly string[];
  readonly target?: true;
  readonly times: Readonly<UnitTimes>;
}

/** Which edges a traversal follows: "down" from a unit to its dependencies, "up" to its dependents. */
export type Direction = "down" | "up";

/** What a traversal does at a unit it reaches: go on through it, skip it, or end the search there. */
export type Visit = "through" | "skip" | "found";

// --- internal ---

function targetRefusal(unit: string, verb: "started" | "completed" | "failed"): GraphError {
  return new GraphError(
    "target_conflict",
    `unit "${unit}" is a target: it cannot be ${verb} by hand; it completes by itself once its members have`,
  );
}

function pathBack(parent: Map<string, string>, end: string): string[] {
  const path = [end];
  for (let at = end; parent.get(at) !== at; ) {
    at = parent.get(at) as string;
    path.push(at);
  }
  return path.reverse();
}
