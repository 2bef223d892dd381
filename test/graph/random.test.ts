/**
 * Randomized check of the graph and its waiters against a brute-force model: random operations on
 * random graphs, and after every step the refusals, events, statuses, readiness, failure chains and
 * wake-ups must agree with what the model computes the slow, obvious way. A failure prints its seed;
 * rerun it with UNITSYNC_GRAPH_SEED=<seed>.
 */
import { expect, test } from "bun:test";
import {
  evaluate,
  Graph,
  type GraphError,
  type GraphEvent,
  type NodeStatus,
  type Outcome,
  type Waiter,
  WaitSet,
} from "../../src/graph/index.ts";
import { seededRandom } from "../_random.ts";

const GRAPHS = 80;
const STEPS = 250;

test("graph and waiters agree with a brute-force model on random operations", () => {
  const fixed = process.env.UNITSYNC_GRAPH_SEED;
  const base = fixed ? Number(fixed) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
  const runs = fixed ? 1 : GRAPHS;
  const totals = { steps: 0, refusedCycles: 0, acceptedWants: 0, failedChains: 0, wakes: 0 };
  for (let i = 0; i < runs; i++) {
    const seed = (base + i) >>> 0;
    try {
      const stats = runOne(seed);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += stats[key];
    } catch (error) {
      console.error(`graph model mismatch with seed ${seed}: rerun with UNITSYNC_GRAPH_SEED=${seed}`);
      throw error;
    }
  }
  // The run must have exercised the interesting cases, or it proves little.
  if (!fixed) {
    expect(totals.refusedCycles).toBeGreaterThan(100);
    expect(totals.acceptedWants).toBeGreaterThan(1500);
    expect(totals.failedChains).toBeGreaterThan(1000);
    expect(totals.wakes).toBeGreaterThan(300);
  }
});

// --- internal ---

type Stats = {
  steps: number;
  refusedCycles: number;
  acceptedWants: number;
  failedChains: number;
  wakes: number;
};

/** The rules of DESIGN.md written the obvious way: adjacency sets, statuses, whole-graph searches. */
class Model {
  readonly status = new Map<string, NodeStatus>();
  readonly deps = new Map<string, Set<string>>();

  statusOf(unit: string): NodeStatus {
    return this.status.get(unit) ?? "not registered";
  }
  depsOf(unit: string): Set<string> {
    return this.deps.get(unit) ?? new Set();
  }
  ready(unit: string): boolean {
    return [...this.depsOf(unit)].every((dep) => this.statusOf(dep) === "completed");
  }
  unmet(unit: string): string[] {
    return [...this.depsOf(unit)].filter((dep) => this.statusOf(dep) !== "completed").sort();
  }

  /** Whether the graph with the extra edges has any cycle: a full three-colour DFS over every node. */
  hasCycleWith(unit: string, extra: readonly string[]): boolean {
    const edges = (node: string) =>
      node === unit ? [...this.depsOf(node), ...extra] : [...this.depsOf(node)];
    const colour = new Map<string, "grey" | "black">();
    const visit = (node: string): boolean => {
      colour.set(node, "grey");
      for (const next of edges(node)) {
        const c = colour.get(next);
        if (c === "grey") return true;
        if (c === undefined && visit(next)) return true;
      }
      colour.set(node, "black");
      return false;
    };
    const nodes = new Set([...this.deps.keys(), unit, ...extra]);
    for (const node of nodes) if (!colour.has(node) && visit(node)) return true;
    return false;
  }

  /** Whether a failed unit is reachable from `unit` through dependencies that are not completed. */
  failedReachable(unit: string): boolean {
    const seen = new Set<string>();
    const search = (node: string): boolean => {
      for (const dep of this.depsOf(node)) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        const status = this.statusOf(dep);
        if (status === "completed") continue;
        if (status === "failed" || search(dep)) return true;
      }
      return false;
    };
    return search(unit);
  }

  /** The number of edges on the shortest such chain (memoised recursion over the DAG), or Infinity. */
  chainEdges(unit: string): number {
    const memo = new Map<string, number>();
    const below = (node: string): number => {
      let best = Number.POSITIVE_INFINITY;
      for (const dep of this.depsOf(node)) best = Math.min(best, 1 + distance(dep));
      return best;
    };
    const distance = (node: string): number => {
      const cached = memo.get(node);
      if (cached !== undefined) return cached;
      const status = this.statusOf(node);
      const result =
        status === "completed" ? Number.POSITIVE_INFINITY : status === "failed" ? 0 : below(node);
      memo.set(node, result);
      return result;
    };
    return below(unit);
  }

  /** What a waiter's outcome should be now; only the kind and the completed units are modelled. */
  outcome(waiter: Waiter): Predicted {
    if (waiter.kind === "start") {
      if (this.failedReachable(waiter.unit)) return { kind: "dependency_failed" };
      return this.ready(waiter.unit) ? { kind: "ready" } : undefined;
    }
    const completed = waiter.units.filter((unit) => this.statusOf(unit) === "completed");
    const failed = waiter.units.filter(
      (unit) =>
        this.statusOf(unit) !== "completed" &&
        (this.statusOf(unit) === "failed" || this.failedReachable(unit)),
    );
    if (waiter.any) {
      if (completed.length > 0) return { kind: "completed", units: completed };
      return failed.length === waiter.units.length ? { kind: "dependency_failed" } : undefined;
    }
    if (failed.length > 0) return { kind: "dependency_failed" };
    return completed.length === waiter.units.length ? { kind: "completed", units: completed } : undefined;
  }
}

/** What a waiter's outcome is, as far as the model predicts it (undefined: still waiting). */
type Predicted = { kind: Outcome["kind"]; units?: string[] } | undefined;

/** What the model says an operation does: refused with a code, or accepted with these events. */
type Expected = { refused: GraphError["code"] } | { events: GraphEvent[]; apply: () => void };

function runOne(seed: number): Stats {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const size = 5 + Math.floor(random() * 26);
  const names = Array.from({ length: size }, (_, i) => `u${i}`);
  const graph = new Graph();
  const waits = new WaitSet();
  const model = new Model();
  const stats: Stats = { steps: 0, refusedCycles: 0, acceptedWants: 0, failedChains: 0, wakes: 0 };
  let now = 0;
  let nextId = 1;

  const register = (unit: string, at: number, events: GraphEvent[]) => {
    if (model.statusOf(unit) !== "not registered") return () => {};
    events.push({ type: "registered", unit, at });
    return () => model.status.set(unit, "pending");
  };

  const expectWant = (unit: string, deps: string[], at: number): Expected => {
    if ([unit, ...deps].some((name) => name.includes(" "))) return { refused: "invalid_name" };
    const fresh = [...new Set(deps)].filter((dep) => !model.depsOf(unit).has(dep));
    if (model.hasCycleWith(unit, fresh)) return { refused: "cycle" };
    const events: GraphEvent[] = [];
    const registering = register(unit, at, events);
    if (fresh.length > 0) events.push({ type: "dependencies_added", unit, dependsOn: fresh, at });
    return {
      events,
      apply: () => {
        registering();
        const set = model.deps.get(unit) ?? new Set();
        for (const dep of fresh) set.add(dep);
        model.deps.set(unit, set);
      },
    };
  };

  const expectRequestStart = (unit: string, at: number): Expected => {
    if (model.statusOf(unit) === "started") return { refused: "already_started" };
    const events: GraphEvent[] = [];
    const registering = register(unit, at, events);
    const unmet = model.unmet(unit);
    if (unmet.length > 0) events.push({ type: "waiting", unit, unmet, at });
    return { events, apply: registering };
  };

  const expectMarkStarted = (unit: string, at: number): Expected => {
    const status = model.statusOf(unit);
    if (status === "not registered") return { refused: "not_registered" };
    if (status === "started") return { refused: "already_started" };
    if (!model.ready(unit)) return { refused: "not_ready" };
    return { events: [{ type: "started", unit, at }], apply: () => model.status.set(unit, "started") };
  };

  const expectComplete = (unit: string, at: number): Expected => {
    const status = model.statusOf(unit);
    if (status === "not registered") return { refused: "not_registered" };
    if (status === "completed") return { refused: "already_completed" };
    if (status === "failed") return { refused: "failed" };
    return { events: [{ type: "completed", unit, at }], apply: () => model.status.set(unit, "completed") };
  };

  const expectFail = (unit: string, reason: string, at: number): Expected => {
    if (model.statusOf(unit) === "completed") return { refused: "already_completed" };
    const events: GraphEvent[] = [];
    const registering = register(unit, at, events);
    events.push({ type: "failed", unit, reason, at });
    return {
      events,
      apply: () => {
        registering();
        model.status.set(unit, "failed");
      },
    };
  };

  /** Runs one operation on the graph and the model, compares everything, and settles the waiters. */
  const step = (
    label: string,
    expected: Expected,
    operation: () => GraphEvent[],
    wanted?: { unit: string; deps: string[] },
  ) => {
    stats.steps++;
    const before = graph.units();
    let events: GraphEvent[] | undefined;
    let refusedWith: GraphError | undefined;
    try {
      events = operation();
    } catch (error) {
      refusedWith = error as GraphError;
    }
    if ("refused" in expected) {
      same({ label, code: refusedWith?.code }, { label, code: expected.refused });
      same(graph.units(), before);
      if (expected.refused === "cycle" && wanted && refusedWith) {
        stats.refusedCycles++;
        checkCycleMessage(refusedWith.message, wanted.unit, wanted.deps);
      }
      return;
    }
    same({ label, refused: refusedWith?.message }, { label, refused: undefined });
    same({ label, events }, { label, events: expected.events });
    expected.apply();
    if (label.startsWith("want")) stats.acceptedWants++;
    compareEverything();

    const resolutions = waits.settle(graph, events ?? []);
    const ids = resolutions.map(({ waiter }) => waiter.id);
    same(
      { after: label, wokenInIdOrder: ids },
      { after: label, wokenInIdOrder: [...ids].sort((x, y) => x - y) },
    );
    stats.wakes += resolutions.length;
    // Every woken waiter had to be, with the model's outcome; every waiter left had to stay.
    same(
      {
        after: label,
        woken: resolutions.map(({ waiter, outcome }) => ({ waiter, outcome: summary(outcome) })),
      },
      { after: label, woken: resolutions.map(({ waiter }) => ({ waiter, outcome: model.outcome(waiter) })) },
    );
    const missed = waits.all().flatMap((waiter) => {
      const outcome = model.outcome(waiter);
      return outcome ? [{ waiter, outcome }] : [];
    });
    same({ after: label, leftWaitingButResolved: missed }, { after: label, leftWaitingButResolved: [] });
    // As the agent does: a start waiter found ready marks its unit started at once.
    for (const { waiter, outcome } of resolutions) {
      if (waiter.kind !== "start" || outcome.kind !== "ready") continue;
      const at = ++now;
      step(`markStarted ${waiter.unit} (woken)`, expectMarkStarted(waiter.unit, at), () =>
        graph.markStarted(waiter.unit, at),
      );
    }
  };

  /** The cycle message names a real cycle: a refused edge from the unit, then existing edges back to it. */
  const checkCycleMessage = (message: string, unit: string, deps: string[]) => {
    const problem = (): string | undefined => {
      const prefix = "cycle detected: ";
      if (!message.startsWith(prefix)) return "no prefix";
      const path = message.slice(prefix.length).split(" -> ");
      if (path.length < 2 || path[0] !== unit || path[path.length - 1] !== unit)
        return "not a cycle through the unit";
      if (new Set(path.slice(1)).size !== path.length - 1) return "not a simple cycle";
      if (!deps.includes(path[1] as string)) return `${unit} -> ${path[1]} is not a refused edge`;
      for (let i = 1; i < path.length - 1; i++) {
        if (!model.depsOf(path[i] as string).has(path[i + 1] as string))
          return `no edge ${path[i]} -> ${path[i + 1]}`;
      }
      return undefined;
    };
    same({ message, problem: problem() }, { message, problem: undefined });
  };

  /** Every per-unit answer of the graph against the model's, compared as one value (fast, and a clear diff). */
  const compareEverything = () => {
    const actual = names.map((name) => {
      const chain = graph.failedChain(name);
      if (chain) stats.failedChains++;
      return {
        name,
        status: graph.status(name),
        ready: graph.isReady(name),
        unmet: graph.unmetDependencies(name),
        deps: graph.dependenciesOf(name),
        chain: chain ? (chainProblem(name, chain) ?? `${chain.length - 1} edges`) : "none",
        self: graph.failedChain(name, true) ?? null,
      };
    });
    const wanted = names.map((name) => {
      const status = model.statusOf(name);
      const edges = model.failedReachable(name) ? model.chainEdges(name) : undefined;
      const plain = graph.failedChain(name) ?? null;
      return {
        name,
        status,
        ready: model.ready(name),
        unmet: model.unmet(name),
        deps: [...model.depsOf(name)],
        chain: edges === undefined ? "none" : `${edges} edges`,
        // With includeSelf a failed unit is its own chain; otherwise the answer is the plain chain.
        self: status === "failed" ? [name] : plain,
      };
    });
    same(actual, wanted);
  };

  /** Why `chain` is not a chain from `name` through non-completed units down to a failed one, if it is not. */
  const chainProblem = (name: string, chain: string[]): string | undefined => {
    if (chain[0] !== name) return `starts at ${chain[0]}`;
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!model.depsOf(chain[i] as string).has(chain[i + 1] as string))
        return `no edge ${chain[i]} -> ${chain[i + 1]}`;
    }
    for (const middle of chain.slice(1, -1)) {
      if (model.statusOf(middle) === "completed" || model.statusOf(middle) === "failed")
        return `passes ${middle}`;
    }
    const last = chain[chain.length - 1] as string;
    return model.statusOf(last) === "failed" ? undefined : `ends at ${last}, which is not failed`;
  };

  const addWaiter = (waiter: Waiter) => {
    const outcome = evaluate(graph, waiter);
    const predicted: Predicted = outcome && summary(outcome);
    same({ waiter, outcome: predicted }, { waiter, outcome: model.outcome(waiter) });
    if (!outcome) waits.add(waiter);
  };

  const pickWhere = (useful: (name: string) => boolean): string => {
    const candidates = names.filter(useful);
    return candidates.length > 0 && random() < 0.7 ? pick(candidates) : pick(names);
  };

  for (let i = 0; i < STEPS; i++) {
    const at = ++now;
    const unit = pick(names);
    const roll = random();
    if (roll < 0.35) {
      const deps = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(names));
      if (random() < 0.03) deps.push("bad name");
      step(`want ${unit} ${deps.join(",")}`, expectWant(unit, deps, at), () => graph.want(unit, deps, at), {
        unit,
        deps,
      });
    } else if (roll < 0.5) {
      step(`requestStart ${unit}`, expectRequestStart(unit, at), () => graph.requestStart(unit, at));
      if (model.statusOf(unit) !== "started") addWaiter({ id: nextId++, kind: "start", unit });
    } else if (roll < 0.62) {
      // Mostly a unit that can start, so that runs get deep; sometimes any unit, to check the refusals.
      const unit = pickWhere(
        (name) => model.ready(name) && ["pending", "completed", "failed"].includes(model.statusOf(name)),
      );
      step(`markStarted ${unit}`, expectMarkStarted(unit, at), () => graph.markStarted(unit, at));
    } else if (roll < 0.8) {
      const unit = pickWhere((name) => ["pending", "started"].includes(model.statusOf(name)));
      step(`complete ${unit}`, expectComplete(unit, at), () => graph.complete(unit, at));
    } else if (roll < 0.88) {
      const reason = `reason ${i}`;
      step(`fail ${unit}`, expectFail(unit, reason, at), () => graph.fail(unit, reason, at));
    } else if (roll < 0.96) {
      const units = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(names)))];
      addWaiter({ id: nextId++, kind: "complete", units, any: random() < 0.5 });
    } else {
      const all = waits.all();
      if (all.length > 0) waits.remove(pick(all).id);
    }
  }
  return stats;
}

/** Asserts deep equality; the JSON comparison first keeps the thousands of checks fast. */
function same<T>(actual: T, wanted: T): void {
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) expect(actual).toEqual(wanted);
}

/** The parts of an outcome the model predicts. */
function summary(outcome: Outcome): Predicted {
  return outcome.kind === "completed" ? { kind: "completed", units: outcome.units } : { kind: outcome.kind };
}
