/** Waiters on the pure graph: who is woken by which event, and how a failure reaches its dependents. */
import { describe, expect, test } from "bun:test";
import {
  describeFailure,
  evaluate,
  Graph,
  type GraphEvent,
  type Outcome,
  type Waiter,
  WaitSet,
} from "../../src/graph/index.ts";

/** A graph and its waiters, driven the way the agent drives them: every mutation's events are settled. */
class Harness {
  readonly graph = new Graph();
  readonly waits = new WaitSet();
  #nextId = 1;
  #now = 0;

  /** Adds a start waiter for `unit` (after asking its start, as the agent does) and returns it. */
  start(unit: string): Waiter {
    this.apply((graph, now) => graph.requestStart(unit, now));
    return this.#add({ id: this.#nextId++, kind: "start", unit });
  }

  /** Adds a waiter for the completion of `units` and returns it. */
  waitFor(units: string[], any = false): Waiter {
    return this.#add({ id: this.#nextId++, kind: "complete", units, any });
  }

  /** Runs one graph mutation and returns the resolutions its events cause, as [waiter id, outcome]. */
  apply(mutate: (graph: Graph, now: number) => GraphEvent[]): [number, Outcome][] {
    const events = mutate(this.graph, ++this.#now);
    return this.waits.settle(this.graph, events).map(({ waiter, outcome }) => [waiter.id, outcome]);
  }

  want(unit: string, ...deps: string[]): [number, Outcome][] {
    return this.apply((graph, now) => graph.want(unit, deps, now));
  }
  complete(unit: string): [number, Outcome][] {
    return this.apply((graph, now) => graph.complete(unit, now));
  }
  fail(unit: string, reason: string): [number, Outcome][] {
    return this.apply((graph, now) => graph.fail(unit, reason, now));
  }
  markStarted(unit: string): [number, Outcome][] {
    return this.apply((graph, now) => graph.markStarted(unit, now));
  }
  /** Registers and completes `unit` in one go (a unit may complete without being started). */
  done(unit: string): [number, Outcome][] {
    this.apply((graph, now) => graph.want(unit, [], now));
    return this.complete(unit);
  }

  #add(waiter: Waiter): Waiter {
    expect(evaluate(this.graph, waiter)).toBeUndefined();
    this.waits.add(waiter);
    return waiter;
  }
}

const ready: Outcome = { kind: "ready" };
const failed = (...failures: [string[], string][]): Outcome => ({
  kind: "dependency_failed",
  failures: failures.map(([chain, reason]) => ({ chain, reason })),
});

describe("start waiters", () => {
  test("are woken exactly when their last dependency completes, not before", () => {
    const h = new Harness();
    h.want("app", "a", "b", "c");
    const waiter = h.start("app");
    expect(h.done("a")).toEqual([]);
    expect(h.want("b")).toEqual([]);
    expect(h.markStarted("b")).toEqual([]);
    expect(h.done("c")).toEqual([]);
    expect(h.waits.size).toBe(1);
    expect(h.complete("b")).toEqual([[waiter.id, ready]]);
    expect(h.waits.size).toBe(0);
  });

  test("only the waiters whose dependencies are now all completed are resolved, oldest first", () => {
    const h = new Harness();
    h.want("onlyA", "a");
    h.want("onlyB", "b");
    h.want("both", "a", "b");
    h.want("other", "c");
    const both = h.start("both");
    const onlyB = h.start("onlyB");
    const onlyA = h.start("onlyA");
    const other = h.start("other");
    expect(h.done("a")).toEqual([[onlyA.id, ready]]);
    expect(h.done("b")).toEqual([
      [both.id, ready],
      [onlyB.id, ready],
    ]);
    expect(h.waits.all()).toEqual([other]);
  });

  test("a waiter whose dependencies are already met resolves at once and is not to be added", () => {
    const h = new Harness();
    h.want("app", "db");
    h.done("db");
    expect(evaluate(h.graph, { id: 1, kind: "start", unit: "app" })).toEqual(ready);
    expect(evaluate(h.graph, { id: 1, kind: "start", unit: "fresh" })).toEqual(ready);
  });

  test("an edge added while waiting makes the waiter wait for the new dependency too", () => {
    const h = new Harness();
    h.want("app", "db");
    const waiter = h.start("app");
    expect(h.want("app", "cache")).toEqual([]);
    expect(h.done("db")).toEqual([]);
    expect(h.done("cache")).toEqual([[waiter.id, ready]]);
  });

  test("several waiters on the same unit are all woken, in the order they were added", () => {
    const h = new Harness();
    h.want("app", "db");
    const first = h.start("app");
    const second = h.start("app");
    expect(h.done("db")).toEqual([
      [first.id, ready],
      [second.id, ready],
    ]);
  });

  test("resolutions come in id order whatever the order of adding", () => {
    const h = new Harness();
    h.want("x", "d");
    h.want("y", "d");
    const waits = new WaitSet();
    for (const id of [5, 2, 9]) waits.add({ id, kind: "start", unit: id === 2 ? "y" : "x" });
    h.done("d");
    expect(waits.all().map((waiter) => waiter.id)).toEqual([5, 2, 9]);
    const events: GraphEvent[] = [{ type: "completed", unit: "d", at: 0 }];
    expect(waits.settle(h.graph, events).map(({ waiter }) => waiter.id)).toEqual([2, 5, 9]);
  });

  test("a resolved waiter is removed: the same events resolve nothing the second time", () => {
    const h = new Harness();
    h.want("app", "db");
    h.start("app");
    h.done("db");
    expect(h.waits.size).toBe(0);
    expect(h.waits.settle(h.graph, [{ type: "completed", unit: "db", at: 0 }])).toEqual([]);
  });
});

describe("wait-for-complete waiters", () => {
  test("all: resolve when every unit has completed, listing them in the order asked", () => {
    const h = new Harness();
    const waiter = h.waitFor(["b", "a"]);
    expect(h.done("a")).toEqual([]);
    expect(h.done("b")).toEqual([[waiter.id, { kind: "completed", units: ["b", "a"] }]]);
  });

  test("any: resolve on the first completion, with the units completed by then", () => {
    const h = new Harness();
    const waiter = h.waitFor(["a", "b"], true);
    h.want("a");
    expect(h.markStarted("a")).toEqual([]);
    expect(h.done("b")).toEqual([[waiter.id, { kind: "completed", units: ["b"] }]]);
  });

  test("waiting registers nothing; the units may be registered later", () => {
    const h = new Harness();
    const waiter = h.waitFor(["later"]);
    expect(h.graph.has("later")).toBe(false);
    expect(h.want("later", "x")).toEqual([]);
    expect(h.complete("later")).toEqual([[waiter.id, { kind: "completed", units: ["later"] }]]);
  });

  test("already completed units resolve at once", () => {
    const h = new Harness();
    h.done("a");
    expect(evaluate(h.graph, { id: 1, kind: "complete", units: ["a"], any: false })).toEqual({
      kind: "completed",
      units: ["a"],
    });
    expect(evaluate(h.graph, { id: 1, kind: "complete", units: ["x", "a"], any: true })).toEqual({
      kind: "completed",
      units: ["a"],
    });
    expect(evaluate(h.graph, { id: 1, kind: "complete", units: ["x", "a"], any: false })).toBeUndefined();
  });

  test("a completion does not wake waiters of other units", () => {
    const h = new Harness();
    const onA = h.waitFor(["a"]);
    const onB = h.waitFor(["b"]);
    h.want("b", "a");
    expect(h.done("a")).toEqual([[onA.id, { kind: "completed", units: ["a"] }]]);
    expect(h.waits.all()).toEqual([onB]);
  });
});

describe("removal", () => {
  test("a removed waiter is never resolved; the others on the same unit still are", () => {
    const h = new Harness();
    h.want("app", "db");
    const gone = h.start("app");
    const kept = h.start("app");
    const waitGone = h.waitFor(["db"]);
    h.waits.remove(gone.id);
    h.waits.remove(waitGone.id);
    expect(h.waits.size).toBe(1);
    expect(h.done("db")).toEqual([[kept.id, ready]]);
    expect(h.waits.size).toBe(0);
  });

  test("removing an unknown or already removed id is harmless", () => {
    const h = new Harness();
    const waiter = h.waitFor(["a", "b"]);
    h.waits.remove(12345);
    h.waits.remove(waiter.id);
    h.waits.remove(waiter.id);
    expect(h.waits.size).toBe(0);
    expect(h.waits.all()).toEqual([]);
    expect(h.done("a")).toEqual([]);
    expect(h.done("b")).toEqual([]);
  });

  test("all() lists waiters oldest first", () => {
    const h = new Harness();
    const a = h.waitFor(["x"]);
    const b = h.waitFor(["y"]);
    const c = h.waitFor(["x", "y"], true);
    expect(h.waits.all()).toEqual([a, b, c]);
    h.waits.remove(b.id);
    expect(h.waits.all()).toEqual([a, c]);
  });

  test("settle with no waiters resolves nothing", () => {
    const h = new Harness();
    expect(h.done("a")).toEqual([]);
    expect(h.fail("b", "x")).toEqual([]);
  });
});

describe("failure propagation", () => {
  test("a direct dependency failing ends the wait with the chain and reason", () => {
    const h = new Harness();
    h.want("app", "db");
    const waiter = h.start("app");
    expect(h.fail("db", "exit status 1")).toEqual([[waiter.id, failed([["app", "db"], "exit status 1"])]]);
    expect(h.waits.size).toBe(0);
  });

  test("chain a -> b -> c: c failing ends the waits on a and b, each naming its chain", () => {
    const h = new Harness();
    h.want("a", "b");
    h.want("b", "c");
    h.want("c");
    const onA = h.start("a");
    const onB = h.start("b");
    const waitA = h.waitFor(["a"]);
    const waitC = h.waitFor(["c"]);
    expect(h.fail("c", "exit status 2")).toEqual([
      [onA.id, failed([["a", "b", "c"], "exit status 2"])],
      [onB.id, failed([["b", "c"], "exit status 2"])],
      [waitA.id, failed([["a", "b", "c"], "exit status 2"])],
      [waitC.id, failed([["c"], "exit status 2"])],
    ]);
  });

  test("a waiter arriving after the failure is refused at once", () => {
    const h = new Harness();
    h.want("a", "b");
    h.want("b", "c");
    h.fail("c", "boom");
    expect(evaluate(h.graph, { id: 1, kind: "start", unit: "a" })).toEqual(failed([["a", "b", "c"], "boom"]));
    expect(evaluate(h.graph, { id: 1, kind: "complete", units: ["a"], any: false })).toEqual(
      failed([["a", "b", "c"], "boom"]),
    );
  });

  test("diamond: one failing branch fails the top; the other branch is unaffected", () => {
    const h = new Harness();
    h.want("top", "left", "right");
    h.want("left", "leftDep");
    h.want("right", "rightDep");
    const top = h.start("top");
    const left = h.start("left");
    const right = h.start("right");
    expect(h.fail("leftDep", "x")).toEqual([
      [top.id, failed([["top", "left", "leftDep"], "x"])],
      [left.id, failed([["left", "leftDep"], "x"])],
    ]);
    expect(h.waits.all()).toEqual([right]);
    expect(h.done("rightDep")).toEqual([[right.id, ready]]);
  });

  test("diamond with a shared bottom: everything above it fails, through the first-declared branch", () => {
    const h = new Harness();
    h.want("top", "left", "right");
    h.want("left", "bottom");
    h.want("right", "bottom");
    const top = h.start("top");
    const left = h.start("left");
    const right = h.start("right");
    expect(h.fail("bottom", "x")).toEqual([
      [top.id, failed([["top", "left", "bottom"], "x"])],
      [left.id, failed([["left", "bottom"], "x"])],
      [right.id, failed([["right", "bottom"], "x"])],
    ]);
  });

  test("independent units are unaffected by a failure", () => {
    const h = new Harness();
    h.want("app", "db");
    h.want("worker", "queue");
    const app = h.start("app");
    const worker = h.start("worker");
    const waitQueue = h.waitFor(["queue"]);
    expect(h.fail("db", "x")).toEqual([[app.id, failed([["app", "db"], "x"])]]);
    expect(h.waits.all()).toEqual([worker, waitQueue]);
    expect(h.graph.failedChain("worker")).toBeUndefined();
  });

  test("a completed unit shields the units that depend on it from a failure behind it", () => {
    const h = new Harness();
    h.want("app", "mid", "other");
    h.want("mid", "root");
    h.done("mid");
    const app = h.start("app");
    expect(h.fail("root", "x")).toEqual([]);
    expect(h.waits.all()).toEqual([app]);
    expect(evaluate(h.graph, app)).toBeUndefined();
    expect(h.done("other")).toEqual([[app.id, ready]]);
  });

  test("a completed unit being re-run still sees the failure of its own dependency", () => {
    const h = new Harness();
    h.want("mid", "root");
    h.complete("mid");
    const rerun = h.start("mid");
    expect(h.fail("root", "x")).toEqual([[rerun.id, failed([["mid", "root"], "x"])]]);
  });

  test("a started unit does not shield: its dependents fail through it", () => {
    const h = new Harness();
    h.want("app", "mid");
    h.want("mid");
    h.markStarted("mid");
    const app = h.start("app");
    h.want("mid", "late");
    expect(h.fail("late", "x")).toEqual([[app.id, failed([["app", "mid", "late"], "x"])]]);
  });

  test("a unit's own failure does not end its own start wait (it may be retried)", () => {
    const h = new Harness();
    h.want("app", "db");
    const own = h.start("app");
    const dependent = h.waitFor(["app"]);
    expect(h.fail("app", "gave up")).toEqual([[dependent.id, failed([["app"], "gave up"])]]);
    expect(h.done("db")).toEqual([[own.id, ready]]);
    expect(h.markStarted("app")).toEqual([]);
    expect(h.graph.status("app")).toBe("started");
  });

  test("a failure caused by a failed dependency is named down to its root cause", () => {
    const graph = new Graph();
    graph.want("web", ["app"], 0);
    graph.want("app", ["db"], 0);
    graph.fail("db", "exit status 2", 1);
    // As `run` records it: app never ran because db failed.
    graph.fail("app", "dependency failed: app -> db: db failed: exit status 2", 2);
    expect(evaluate(graph, { id: 1, kind: "start", unit: "web" })).toEqual({
      kind: "dependency_failed",
      failures: [{ chain: ["web", "app", "db"], reason: "exit status 2" }],
    });
  });

  test("describeFailure names the chain and the reason", () => {
    expect(
      describeFailure({ chain: ["my-app", "database-migration", "db-setup"], reason: "exit status 2" }),
    ).toBe("my-app -> database-migration -> db-setup: db-setup failed: exit status 2");
    expect(describeFailure({ chain: ["db-setup"], reason: "exit status 2" })).toBe(
      "db-setup: db-setup failed: exit status 2",
    );
    expect(describeFailure({ chain: ["a", "b"], reason: "" })).toBe("a -> b: b failed");
  });

  test("the spec's startup shapes: db-setup failing takes down the migration and the app", () => {
    const h = new Harness();
    h.want("env-setup", "git-clone");
    h.want("database-migration", "db-setup", "env-setup");
    h.want("ide-setup", "git-clone");
    h.want("my-app", "database-migration", "env-setup");
    const app = h.start("my-app");
    const ide = h.start("ide-setup");
    h.want("db-setup");
    h.markStarted("db-setup");
    const resolved = h.fail("db-setup", "exit status 2");
    expect(resolved.map(([id]) => id)).toEqual([app.id]);
    const outcome = resolved[0]?.[1];
    if (outcome?.kind !== "dependency_failed") throw new Error(`unexpected outcome ${outcome?.kind}`);
    expect(outcome.failures.map(describeFailure)).toEqual([
      "my-app -> database-migration -> db-setup: db-setup failed: exit status 2",
    ]);
    expect(h.waits.all()).toEqual([ide]);
  });
});

describe("retry", () => {
  test("start on a failed unit is allowed; once started it is no longer failed and dependents wait again", () => {
    const h = new Harness();
    h.want("a", "b");
    h.want("b", "c");
    h.want("c");
    const first = h.start("a");
    expect(h.fail("c", "flaky")).toEqual([[first.id, failed([["a", "b", "c"], "flaky"])]]);

    // Asking to start c again does not clear the failure: only its actual start does.
    h.apply((graph, now) => graph.requestStart("c", now));
    expect(h.graph.status("c")).toBe("failed");
    expect(evaluate(h.graph, { id: 99, kind: "start", unit: "a" })).toEqual(
      failed([["a", "b", "c"], "flaky"]),
    );

    expect(h.markStarted("c")).toEqual([]);
    expect(h.graph.status("c")).toBe("started");
    expect(h.graph.reasonOf("c")).toBeUndefined();
    const again = h.start("a");
    const onB = h.start("b");
    const waitA = h.waitFor(["a"]);
    expect(h.complete("c")).toEqual([[onB.id, ready]]);
    expect(h.graph.failedChain("a")).toBeUndefined();
    h.markStarted("b");
    expect(h.complete("b")).toEqual([[again.id, ready]]);
    h.markStarted("a");
    expect(h.complete("a")).toEqual([[waitA.id, { kind: "completed", units: ["a"] }]]);
  });

  test("a retried unit that fails again fails the new waiters with the new reason", () => {
    const h = new Harness();
    h.want("app", "db");
    h.fail("db", "first");
    h.markStarted("db");
    const app = h.start("app");
    expect(h.fail("db", "second")).toEqual([[app.id, failed([["app", "db"], "second"])]]);
  });
});

describe("completed-then-failed ordering", () => {
  test("start: A completes, then B fails: the waiter fails on B", () => {
    const h = new Harness();
    h.want("u", "A", "B");
    const waiter = h.start("u");
    expect(h.done("A")).toEqual([]);
    expect(h.fail("B", "x")).toEqual([[waiter.id, failed([["u", "B"], "x"])]]);
  });

  test("start: B fails, then A completes: the waiter has already failed and nothing more happens", () => {
    const h = new Harness();
    h.want("u", "A", "B");
    const waiter = h.start("u");
    expect(h.fail("B", "x")).toEqual([[waiter.id, failed([["u", "B"], "x"])]]);
    expect(h.done("A")).toEqual([]);
    expect(evaluate(h.graph, { id: 99, kind: "start", unit: "u" })).toEqual(failed([["u", "B"], "x"]));
  });

  test("wait (all): either order ends in a failure naming B", () => {
    const first = new Harness();
    const w1 = first.waitFor(["A", "B"]);
    expect(first.done("A")).toEqual([]);
    expect(first.fail("B", "x")).toEqual([[w1.id, failed([["B"], "x"])]]);

    const second = new Harness();
    const w2 = second.waitFor(["A", "B"]);
    expect(second.fail("B", "x")).toEqual([[w2.id, failed([["B"], "x"])]]);
    expect(second.done("A")).toEqual([]);
  });

  test("wait --any: A completing wins in either order", () => {
    const first = new Harness();
    const w1 = first.waitFor(["A", "B"], true);
    expect(first.done("A")).toEqual([[w1.id, { kind: "completed", units: ["A"] }]]);
    expect(first.fail("B", "x")).toEqual([]);

    const second = new Harness();
    const w2 = second.waitFor(["A", "B"], true);
    expect(second.fail("B", "x")).toEqual([]);
    expect(second.done("A")).toEqual([[w2.id, { kind: "completed", units: ["A"] }]]);
  });

  test("a dependency that completes after its own dependency failed shields the dependents again", () => {
    const h = new Harness();
    h.want("app", "mid", "other");
    h.want("mid", "root");
    h.fail("root", "x");
    expect(h.graph.failedChain("app")).toEqual(["app", "mid", "root"]);
    h.complete("mid");
    expect(h.graph.failedChain("app")).toBeUndefined();
    const app = h.start("app");
    expect(h.done("other")).toEqual([[app.id, ready]]);
  });
});

describe("failure through an edge added after the waiter", () => {
  test("an edge from the awaited unit to an already failed unit", () => {
    const h = new Harness();
    h.want("app", "db");
    h.fail("broken", "x");
    const app = h.start("app");
    expect(h.want("app", "broken")).toEqual([[app.id, failed([["app", "broken"], "x"])]]);
  });

  test("an edge further down the chain to an already failed unit", () => {
    const h = new Harness();
    h.want("app", "mid");
    h.want("mid", "low");
    h.fail("broken", "x");
    const app = h.start("app");
    const waitApp = h.waitFor(["app"]);
    expect(h.want("low", "broken")).toEqual([
      [app.id, failed([["app", "mid", "low", "broken"], "x"])],
      [waitApp.id, failed([["app", "mid", "low", "broken"], "x"])],
    ]);
  });

  test("an edge to a unit whose own dependency failed", () => {
    const h = new Harness();
    h.want("app", "db");
    h.want("sick", "broken");
    h.fail("broken", "x");
    const app = h.start("app");
    expect(h.want("db", "sick")).toEqual([[app.id, failed([["app", "db", "sick", "broken"], "x"])]]);
  });

  test("an edge behind a completed unit does not reach the waiter", () => {
    const h = new Harness();
    h.want("app", "mid", "other");
    h.done("mid");
    h.fail("broken", "x");
    const app = h.start("app");
    expect(h.want("mid", "broken")).toEqual([]);
    expect(h.waits.all()).toEqual([app]);
  });
});

describe("wait --any fails only when all fail", () => {
  test("one failure keeps waiting, the last one ends it, naming every failure", () => {
    const h = new Harness();
    h.want("b", "bDep");
    const waiter = h.waitFor(["a", "b", "c"], true);
    expect(h.fail("a", "ra")).toEqual([]);
    expect(h.fail("bDep", "rb")).toEqual([]);
    expect(h.fail("c", "rc")).toEqual([
      [waiter.id, failed([["a"], "ra"], [["b", "bDep"], "rb"], [["c"], "rc"])],
    ]);
  });

  test("a retry of one failed unit keeps the --any wait alive after the others fail", () => {
    const h = new Harness();
    const waiter = h.waitFor(["a", "b"], true);
    h.fail("a", "ra");
    h.markStarted("a");
    expect(h.fail("b", "rb")).toEqual([]);
    expect(h.complete("a")).toEqual([[waiter.id, { kind: "completed", units: ["a"] }]]);
  });

  test("wait (all) fails on the first failure, naming only it", () => {
    const h = new Harness();
    const waiter = h.waitFor(["a", "b", "c"]);
    expect(h.fail("b", "rb")).toEqual([[waiter.id, failed([["b"], "rb"])]]);
  });
});
