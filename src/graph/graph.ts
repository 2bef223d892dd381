import { assertValidName, compareNames } from "./names.ts";
import {
  GraphError,
  type GraphEvent,
  type Millis,
  NOT_REGISTERED,
  type NodeStatus,
  type UnitTimes,
  type UnitView,
} from "./types.ts";

interface Node {
  name: string;
  status: NodeStatus;
  // Arrays, not Sets: a unit has a handful of edges, and at 10,000 units two Sets per unit cost the
  // agent several MiB. Each edge is stored once (want adds only edges that are new).
  deps: string[];
  dependents: string[];
  reason?: string;
  times: UnitTimes;
}

/**
 * The dependency graph of units: pure data, no I/O, no clock. Every mutation validates first and
 * then applies, so a refused operation (a GraphError) leaves the graph untouched; a successful one
 * returns the events it caused.
 */
export class Graph {
  readonly #nodes = new Map<string, Node>();

  /** Declares that `unit` depends on each of `deps`, atomically: all edges are added or none. */
  want(unit: string, deps: readonly string[], now: Millis): GraphEvent[] {
    assertValidName(unit);
    for (const dep of deps) assertValidName(dep);
    const node = this.#nodes.get(unit);
    const fresh = [...new Set(deps)].filter((dep) => !node?.deps.includes(dep));
    this.#assertAcyclic(unit, fresh);

    const events = this.#register(unit, now);
    const target = this.#node(unit);
    for (const dep of fresh) {
      target.deps.push(dep);
      this.#node(dep).dependents.push(unit);
    }
    if (fresh.length > 0) events.push({ type: "dependencies_added", unit, dependsOn: fresh, at: now });
    return events;
  }

  /**
   * Records that `start unit` was asked: registers the unit and notes when its wait began. Refused
   * when the unit is already started; a completed or failed unit may be started again.
   */
  requestStart(unit: string, now: Millis): GraphEvent[] {
    assertValidName(unit);
    if (this.#nodes.get(unit)?.status === "started") {
      throw new GraphError("already_started", `unit "${unit}" is already started`);
    }
    const events = this.#register(unit, now);
    const node = this.#node(unit);
    node.times.startRequestedAt ??= now;
    const unmet = this.unmetDependencies(unit);
    if (unmet.length > 0) events.push({ type: "waiting", unit, unmet, at: now });
    return events;
  }

  /** Marks a ready unit started (the end of its `start`). */
  markStarted(unit: string, now: Millis): GraphEvent[] {
    const node = this.#registered(unit);
    if (node.status === "started")
      throw new GraphError("already_started", `unit "${unit}" is already started`);
    const unmet = this.unmetDependencies(unit);
    if (unmet.length > 0) {
      throw new GraphError("not_ready", `unit "${unit}" is not ready: waiting for [${unmet.join(", ")}]`);
    }
    node.status = "started";
    node.reason = undefined;
    node.times.startRequestedAt ??= now;
    node.times.startedAt = now;
    node.times.finishedAt = undefined;
    return [{ type: "started", unit, at: now }];
  }

  /** Marks a pending or started unit completed, which may make its dependents ready. */
  complete(unit: string, now: Millis): GraphEvent[] {
    const node = this.#registered(unit);
    if (node.status === "completed") {
      throw new GraphError("already_completed", `unit "${unit}" is already completed`);
    }
    if (node.status === "failed") {
      throw new GraphError(
        "failed",
        `unit "${unit}" has failed; start it again to retry before completing it`,
      );
    }
    node.status = "completed";
    node.times.finishedAt = now;
    return [{ type: "completed", unit, at: now }];
  }

  /**
   * Marks a unit failed with a reason. An unregistered unit is registered as failed, so a script
   * that breaks before its `start` can still say so; a completed unit cannot fail.
   */
  fail(unit: string, reason: string, now: Millis): GraphEvent[] {
    assertValidName(unit);
    if (this.#nodes.get(unit)?.status === "completed") {
      throw new GraphError("already_completed", `unit "${unit}" is already completed and cannot fail`);
    }
    const events = this.#register(unit, now);
    const node = this.#node(unit);
    node.status = "failed";
    node.reason = reason;
    node.times.finishedAt = now;
    events.push({ type: "failed", unit, reason, at: now });
    return events;
  }

  /** Whether the name was ever mentioned, as a unit or as a dependency. */
  has(unit: string): boolean {
    return this.#nodes.has(unit);
  }

  /** The unit's status; "not registered" for a name the graph has only seen as a dependency, or never. */
  status(unit: string): NodeStatus {
    return this.#nodes.get(unit)?.status ?? NOT_REGISTERED;
  }

  /** A unit is ready when every direct dependency is completed. */
  isReady(unit: string): boolean {
    const node = this.#nodes.get(unit);
    if (!node) return true;
    for (const dep of node.deps) if (this.status(dep) !== "completed") return false;
    return true;
  }

  /** The direct dependencies that are not completed yet, sorted. */
  unmetDependencies(unit: string): string[] {
    const deps = this.#nodes.get(unit)?.deps ?? [];
    return [...deps].filter((dep) => this.status(dep) !== "completed").sort(compareNames);
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
   * The shortest chain from `unit` down to a failed unit, through units that are not completed
   * (a completed unit shields what is behind it), e.g. ["my-app", "db-migration", "db-setup"].
   * With `includeSelf`, a failed `unit` is its own chain; otherwise only its dependencies count,
   * since a failed unit may be started again.
   */
  failedChain(unit: string, includeSelf = false): string[] | undefined {
    if (includeSelf && this.status(unit) === "failed") return [unit];
    return this.traverse(unit, "down", (dep) => {
      const status = this.status(dep);
      return status === "failed" ? "found" : status === "completed" ? "leaf" : "through";
    });
  }

  /**
   * Breadth-first search from `from` along one direction of the edges ("down" to dependencies, "up"
   * to dependents), the one traversal every search of the graph is made of (as s6-rc's libs6rc has
   * one closure parameterised by direction). `visit` is called once for each unit reached, `from`
   * excluded, and says whether to go on through it, stop there ("leaf"), or end the search
   * ("found"). Returns the shortest path from `from` to the found unit (both included), or
   * undefined when nothing was found.
   */
  traverse(from: string, direction: Direction, visit: (unit: string) => Visit): string[] | undefined {
    const parent = new Map<string, string>([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const current = queue[i] as string;
      const node = this.#nodes.get(current);
      for (const next of (direction === "down" ? node?.deps : node?.dependents) ?? []) {
        if (parent.has(next)) continue;
        parent.set(next, current);
        const verdict = visit(next);
        if (verdict === "found") return pathBack(parent, next);
        if (verdict === "through") queue.push(next);
      }
    }
    return undefined;
  }

  /** The failure reason of a failed unit. */
  reasonOf(unit: string): string | undefined {
    return this.#nodes.get(unit)?.reason;
  }

  /** A read-only view of one unit, or undefined if the name was never mentioned. */
  get(unit: string): UnitView | undefined {
    const node = this.#nodes.get(unit);
    return node && view(node);
  }

  /** Every known name (registered or only depended upon), sorted by name. */
  units(): UnitView[] {
    return [...this.#nodes.values()].sort((a, b) => compareNames(a.name, b.name)).map(view);
  }

  /** Number of known names. */
  get size(): number {
    return this.#nodes.size;
  }

  // --- internal ---

  #node(name: string): Node {
    let node = this.#nodes.get(name);
    if (!node) {
      node = { name, status: NOT_REGISTERED, deps: [], dependents: [], times: {} };
      this.#nodes.set(name, node);
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

  #register(unit: string, now: Millis): GraphEvent[] {
    const node = this.#node(unit);
    if (node.status !== NOT_REGISTERED) return [];
    node.status = "pending";
    node.times.registeredAt = now;
    return [{ type: "registered", unit, at: now }];
  }

  /** Refuses the new edges unit -> dep if any of them (together with the others) closes a cycle. */
  #assertAcyclic(unit: string, fresh: readonly string[]): void {
    // The new edges all leave `unit`, so a cycle through several of them would pass `unit` twice:
    // any cycle uses exactly one new edge, and checking each against the existing graph suffices.
    // A new edge closes a cycle only if its dep already depends, transitively, on `unit`. The units
    // that depend on `unit` are usually few (scripts declare roughly in dependency order), while a
    // dep's own dependencies can be most of a large graph: looking upward first rules out almost
    // every request cheaply (10,000 units no longer take quadratic time); only a real cycle pays
    // for the shortest-path search below, which names it.
    if (!fresh.includes(unit) && !this.#dependedOnByAny(unit, fresh)) return;
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
}

/** Which edges a traversal follows: "down" from a unit to its dependencies, "up" to its dependents. */
export type Direction = "down" | "up";

/** What a traversal does at a unit it reaches: go on through it, stop there, or end the search. */
export type Visit = "through" | "leaf" | "found";

// --- internal ---

function pathBack(parent: Map<string, string>, end: string): string[] {
  const path = [end];
  for (let at = end; parent.get(at) !== at; ) {
    at = parent.get(at) as string;
    path.push(at);
  }
  return path.reverse();
}

function view(node: Node): UnitView {
  const result: UnitView = {
    name: node.name,
    status: node.status,
    dependsOn: [...node.deps],
    times: { ...node.times },
  };
  if (node.reason !== undefined) result.reason = node.reason;
  return result;
}
