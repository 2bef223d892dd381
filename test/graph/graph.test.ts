/** The rules of DESIGN.md "Units and their states" on the pure Graph: states, edges, cycles, errors, times, events. */
import { describe, expect, test } from "bun:test";
import { Graph, MAX_NAME_LENGTH, nameProblem } from "../../src/graph/index.ts";
import { refusal } from "./_support.ts";

describe("registration", () => {
  test("want registers the unit as pending; its dependencies are only mentioned, not registered", () => {
    const graph = new Graph();
    expect(graph.want("app", ["db", "cache"], 10)).toEqual([
      { type: "registered", unit: "app", at: 10 },
      { type: "dependencies_added", unit: "app", dependsOn: ["db", "cache"], at: 10 },
    ]);
    expect(graph.status("app")).toBe("pending");
    expect(graph.status("db")).toBe("not registered");
    expect(graph.has("db")).toBe(true);
    expect(graph.get("db")).toEqual({ name: "db", status: "not registered", dependsOn: [], times: {} });
    expect(graph.size).toBe(3);
  });

  test("want without dependencies only registers", () => {
    const graph = new Graph();
    expect(graph.want("app", [], 1)).toEqual([{ type: "registered", unit: "app", at: 1 }]);
    expect(graph.want("app", [], 2)).toEqual([]);
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "pending",
      dependsOn: [],
      times: { registeredAt: 1 },
    });
  });

  test("want on a registered unit does not register it again", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.want("app", ["cache"], 2)).toEqual([
      { type: "dependencies_added", unit: "app", dependsOn: ["cache"], at: 2 },
    ]);
    expect(graph.get("app")?.times.registeredAt).toBe(1);
  });

  test("a name first mentioned as a dependency is registered by its own want, keeping its dependents", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.want("db", ["disk"], 2)).toEqual([
      { type: "registered", unit: "db", at: 2 },
      { type: "dependencies_added", unit: "db", dependsOn: ["disk"], at: 2 },
    ]);
    expect(graph.status("db")).toBe("pending");
    expect(graph.dependentsOf("db")).toEqual(["app"]);
    expect(graph.get("db")?.times).toEqual({ registeredAt: 2 });
  });

  test("start (requestStart) registers the unit as pending", () => {
    const graph = new Graph();
    expect(graph.requestStart("app", 5)).toEqual([{ type: "registered", unit: "app", at: 5 }]);
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "pending",
      dependsOn: [],
      times: { registeredAt: 5, startRequestedAt: 5 },
    });
  });

  test("start registers a unit only mentioned as a dependency", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.requestStart("db", 2)).toEqual([{ type: "registered", unit: "db", at: 2 }]);
    expect(graph.status("db")).toBe("pending");
  });

  test("fail on an unregistered unit registers it as failed, with its reason", () => {
    const graph = new Graph();
    expect(graph.fail("setup", "exit status 2", 7)).toEqual([
      { type: "registered", unit: "setup", at: 7 },
      { type: "failed", unit: "setup", reason: "exit status 2", at: 7 },
    ]);
    expect(graph.get("setup")).toEqual({
      name: "setup",
      status: "failed",
      dependsOn: [],
      reason: "exit status 2",
      times: { registeredAt: 7, finishedAt: 7 },
    });
    expect(graph.reasonOf("setup")).toBe("exit status 2");
  });

  test("fail on a name only mentioned as a dependency registers it as failed", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.fail("db", "boom", 2)).toEqual([
      { type: "registered", unit: "db", at: 2 },
      { type: "failed", unit: "db", reason: "boom", at: 2 },
    ]);
  });

  test("a never-mentioned name is not registered, unknown and ready", () => {
    const graph = new Graph();
    expect(graph.status("ghost")).toBe("not registered");
    expect(graph.has("ghost")).toBe(false);
    expect(graph.get("ghost")).toBeUndefined();
    expect(graph.isReady("ghost")).toBe(true);
    expect(graph.unmetDependencies("ghost")).toEqual([]);
    expect(graph.dependenciesOf("ghost")).toEqual([]);
    expect(graph.dependentsOf("ghost")).toEqual([]);
    expect(graph.failedChain("ghost")).toBeUndefined();
    expect(graph.failedChain("ghost", true)).toBeUndefined();
    expect(graph.units()).toEqual([]);
    expect(graph.size).toBe(0);
  });

  test("units() lists every known name, registered or only depended upon, sorted by code unit", () => {
    const graph = new Graph();
    graph.want("b", ["a", "Z"], 1);
    graph.requestStart("é", 2);
    graph.fail("c", "x", 3);
    expect(graph.units().map((unit) => [unit.name, unit.status])).toEqual([
      ["Z", "not registered"],
      ["a", "not registered"],
      ["b", "pending"],
      ["c", "failed"],
      ["é", "pending"],
    ]);
  });

  test("views are copies: changing one does not change the graph", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    const view = graph.get("app");
    if (!view) throw new Error("app is missing");
    (view.dependsOn as string[]).push("cache");
    (view.times as { registeredAt?: number }).registeredAt = 99;
    (graph.dependenciesOf("app") as string[]).push("other");
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "pending",
      dependsOn: ["db"],
      times: { registeredAt: 1 },
    });
  });
});

describe("edges", () => {
  test("adding the same edge twice is a no-op", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    const before = graph.units();
    expect(graph.want("app", ["db"], 2)).toEqual([]);
    expect(graph.units()).toEqual(before);
    expect(graph.dependentsOf("db")).toEqual(["app"]);
  });

  test("a dependency repeated in one want is added once", () => {
    const graph = new Graph();
    expect(graph.want("app", ["db", "db", "cache", "db"], 1)).toEqual([
      { type: "registered", unit: "app", at: 1 },
      { type: "dependencies_added", unit: "app", dependsOn: ["db", "cache"], at: 1 },
    ]);
    expect(graph.dependenciesOf("app")).toEqual(["db", "cache"]);
  });

  test("a want mixing known and new edges reports only the new ones; declaration order is kept", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.want("app", ["queue", "db", "cache"], 2)).toEqual([
      { type: "dependencies_added", unit: "app", dependsOn: ["queue", "cache"], at: 2 },
    ]);
    expect(graph.dependenciesOf("app")).toEqual(["db", "queue", "cache"]);
    expect(graph.get("app")?.dependsOn).toEqual(["db", "queue", "cache"]);
  });

  test("an edge may be added after the unit has started; it then is not ready but stays started", () => {
    const graph = new Graph();
    graph.requestStart("app", 1);
    graph.markStarted("app", 2);
    expect(graph.want("app", ["late"], 3)).toEqual([
      { type: "dependencies_added", unit: "app", dependsOn: ["late"], at: 3 },
    ]);
    expect(graph.status("app")).toBe("started");
    expect(graph.isReady("app")).toBe(false);
    expect(graph.unmetDependencies("app")).toEqual(["late"]);
    // It can still complete: `complete` does not depend on readiness.
    expect(graph.complete("app", 4)).toEqual([{ type: "completed", unit: "app", at: 4 }]);
  });

  test("an edge may be added to a completed or a failed unit", () => {
    const graph = new Graph();
    graph.want("done", [], 1);
    graph.complete("done", 2);
    graph.fail("broken", "x", 3);
    expect(graph.want("done", ["a"], 4)).toEqual([
      { type: "dependencies_added", unit: "done", dependsOn: ["a"], at: 4 },
    ]);
    expect(graph.want("broken", ["b"], 5)).toEqual([
      { type: "dependencies_added", unit: "broken", dependsOn: ["b"], at: 5 },
    ]);
    expect([graph.status("done"), graph.status("broken")]).toEqual(["completed", "failed"]);
  });

  test("dependents are tracked in both directions", () => {
    const graph = new Graph();
    graph.want("app", ["db", "cache"], 1);
    graph.want("worker", ["db"], 1);
    expect(graph.dependentsOf("db")).toEqual(["app", "worker"]);
    expect(graph.dependentsOf("cache")).toEqual(["app"]);
    expect(graph.dependentsOf("app")).toEqual([]);
  });
});

describe("atomic want with several dependencies", () => {
  test("a cycle through any one dependency adds none of them", () => {
    const graph = new Graph();
    graph.want("b", ["a"], 1);
    const before = graph.units();
    expect(refusal(() => graph.want("a", ["x", "b", "y"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: a -> b -> a",
    });
    expect(graph.units()).toEqual(before);
    expect(graph.has("x")).toBe(false);
    expect(graph.has("y")).toBe(false);
  });

  test("a self-dependency among several does not even register the new unit", () => {
    const graph = new Graph();
    expect(refusal(() => graph.want("a", ["b", "a"], 1))).toEqual({
      code: "cycle",
      message: "cycle detected: a -> a",
    });
    expect(graph.units()).toEqual([]);
  });

  test("an invalid dependency name adds nothing, even when it comes last", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    const before = graph.units();
    const result = refusal(() => graph.want("app", ["cache", "queue", "bad name"], 2));
    expect(result.code).toBe("invalid_name");
    expect(result.message).toBe('unit name "bad name" contains whitespace or a control character');
    expect(graph.units()).toEqual(before);

    const fresh = new Graph();
    expect(refusal(() => fresh.want("new", ["ok", ""], 1)).code).toBe("invalid_name");
    expect(fresh.units()).toEqual([]);
  });

  test("an invalid unit name adds nothing", () => {
    const graph = new Graph();
    expect(refusal(() => graph.want("bad\tname", ["db"], 1)).code).toBe("invalid_name");
    expect(graph.units()).toEqual([]);
  });

  test("a refused want leaves times and statuses untouched", () => {
    const graph = new Graph();
    graph.want("c", ["b"], 1);
    graph.want("b", ["a"], 1);
    graph.requestStart("a", 2);
    graph.markStarted("a", 3);
    const before = graph.units();
    expect(refusal(() => graph.want("a", ["new", "c"], 4)).code).toBe("cycle");
    expect(graph.units()).toEqual(before);
  });
});

describe("cycles", () => {
  test("self-dependency: a -> a", () => {
    const graph = new Graph();
    expect(refusal(() => graph.want("a", ["a"], 1))).toEqual({
      code: "cycle",
      message: "cycle detected: a -> a",
    });
  });

  test("self-dependency of a registered unit", () => {
    const graph = new Graph();
    graph.want("a", ["b"], 1);
    const before = graph.units();
    expect(refusal(() => graph.want("a", ["a"], 2)).message).toBe("cycle detected: a -> a");
    expect(graph.units()).toEqual(before);
  });

  test("two-unit cycle", () => {
    const graph = new Graph();
    graph.want("a", ["b"], 1);
    expect(refusal(() => graph.want("b", ["a"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: b -> a -> b",
    });
  });

  test("three-unit cycle, named whole, starting at the unit of the refused want", () => {
    const graph = new Graph();
    graph.want("b", ["c"], 1);
    graph.want("c", ["a"], 1);
    expect(refusal(() => graph.want("a", ["b"], 2)).message).toBe("cycle detected: a -> b -> c -> a");

    const other = new Graph();
    other.want("a", ["b"], 1);
    other.want("b", ["c"], 1);
    expect(refusal(() => other.want("c", ["a"], 2)).message).toBe("cycle detected: c -> a -> b -> c");
  });

  test("a long cycle is named in full", () => {
    const graph = new Graph();
    const names = Array.from({ length: 10 }, (_, i) => `u${i}`);
    for (let i = 0; i + 1 < names.length; i++) graph.want(names[i] as string, [names[i + 1] as string], 1);
    expect(refusal(() => graph.want("u9", ["u0"], 2)).message).toBe(
      `cycle detected: u9 -> ${names.join(" -> ")}`,
    );
  });

  test("when several cycles would close, the shortest is named", () => {
    const graph = new Graph();
    graph.want("a", ["b", "d"], 1);
    graph.want("b", ["c"], 1);
    graph.want("c", ["d"], 1);
    expect(refusal(() => graph.want("d", ["a"], 2)).message).toBe("cycle detected: d -> a -> d");
  });

  test("the cycle is named through the dependency that closes it", () => {
    const graph = new Graph();
    graph.want("x", ["y"], 1);
    graph.want("y", ["z"], 1);
    expect(refusal(() => graph.want("z", ["ok1", "x", "ok2"], 2)).message).toBe(
      "cycle detected: z -> x -> y -> z",
    );
  });

  test("cycles are refused whatever the states of the units on them", () => {
    const graph = new Graph();
    graph.want("a", ["b"], 1);
    graph.requestStart("b", 1);
    graph.markStarted("b", 2);
    graph.complete("b", 3);
    graph.requestStart("a", 4);
    graph.markStarted("a", 5);
    graph.fail("a", "x", 6);
    expect(refusal(() => graph.want("b", ["a"], 7)).message).toBe("cycle detected: b -> a -> b");
  });

  test("edges that do not close a cycle are accepted: diamonds and shared dependencies", () => {
    const graph = new Graph();
    graph.want("top", ["left", "right"], 1);
    graph.want("left", ["bottom"], 1);
    graph.want("right", ["bottom"], 1);
    expect(graph.want("top", ["bottom"], 2)).toEqual([
      { type: "dependencies_added", unit: "top", dependsOn: ["bottom"], at: 2 },
    ]);
    expect(refusal(() => graph.want("bottom", ["top"], 3)).message).toBe(
      "cycle detected: bottom -> top -> bottom",
    );
  });

  test("a chain declared from its top costs a cycle check per edge, not a search of all above it", () => {
    const graph = new Graph();
    let visits = 0;
    const traverse = graph.traverse.bind(graph);
    graph.traverse = (from, direction, visit) =>
      traverse(from, direction, (unit, reachedFrom) => {
        visits++;
        return visit(unit, reachedFrom);
      });
    const n = 2000;
    for (let i = 0; i < n; i++) graph.want(`u${i}`, [`u${i + 1}`], 1);
    // Searching upward from each new edge's unit visited every unit above it: n²/2 visits.
    expect(visits).toBeLessThan(n);
    expect(refusal(() => graph.want(`u${n}`, ["u1997"], 2)).message).toBe(
      `cycle detected: u${n} -> u1997 -> u1998 -> u1999 -> u${n}`,
    );
  });
});

describe("readiness", () => {
  test("a unit with no dependencies is ready", () => {
    const graph = new Graph();
    graph.want("a", [], 1);
    expect(graph.isReady("a")).toBe(true);
    expect(graph.unmetDependencies("a")).toEqual([]);
  });

  test("a unit is ready only when every direct dependency is completed", () => {
    const graph = new Graph();
    graph.want("app", ["unregistered", "pending", "started", "completed", "failed"], 1);
    graph.want("pending", [], 1);
    graph.requestStart("started", 1);
    graph.markStarted("started", 1);
    graph.want("completed", [], 1);
    graph.complete("completed", 1);
    graph.fail("failed", "x", 1);
    expect(graph.isReady("app")).toBe(false);
    expect(graph.unmetDependencies("app")).toEqual(["failed", "pending", "started", "unregistered"]);

    for (const name of ["unregistered", "pending", "started"]) {
      if (graph.status(name) === "not registered") graph.want(name, [], 2);
      graph.complete(name, 2);
    }
    expect(graph.unmetDependencies("app")).toEqual(["failed"]);
    expect(graph.isReady("app")).toBe(false);
    graph.markStarted("failed", 3);
    graph.complete("failed", 4);
    expect(graph.unmetDependencies("app")).toEqual([]);
    expect(graph.isReady("app")).toBe(true);
  });

  test("only direct dependencies count: a completed dependency makes its dependent ready", () => {
    const graph = new Graph();
    graph.want("a", ["b"], 1);
    graph.want("b", ["c"], 1);
    graph.complete("b", 2);
    expect(graph.isReady("a")).toBe(true);
    expect(graph.isReady("b")).toBe(false);
  });

  test("unmet dependencies are sorted by name", () => {
    const graph = new Graph();
    graph.want("app", ["zeta", "alpha", "Mid", "beta"], 1);
    expect(graph.unmetDependencies("app")).toEqual(["Mid", "alpha", "beta", "zeta"]);
    expect(graph.dependenciesOf("app")).toEqual(["zeta", "alpha", "Mid", "beta"]);
  });

  test("re-running a dependency makes its dependents not ready again", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    graph.requestStart("db", 1);
    graph.markStarted("db", 2);
    graph.complete("db", 3);
    expect(graph.isReady("app")).toBe(true);
    graph.requestStart("db", 4);
    expect(graph.isReady("app")).toBe(true);
    graph.markStarted("db", 5);
    expect(graph.isReady("app")).toBe(false);
    expect(graph.unmetDependencies("app")).toEqual(["db"]);
  });
});

describe("start and complete transitions", () => {
  test("pending -> started -> completed, with the events of each step", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    expect(graph.requestStart("app", 2)).toEqual([]);
    expect(graph.markStarted("app", 3)).toEqual([{ type: "started", unit: "app", at: 3 }]);
    expect(graph.status("app")).toBe("started");
    expect(graph.complete("app", 4)).toEqual([{ type: "completed", unit: "app", at: 4 }]);
    expect(graph.status("app")).toBe("completed");
  });

  test("requestStart reports the unmet dependencies it waits for, sorted", () => {
    const graph = new Graph();
    graph.want("app", ["b", "a", "c"], 1);
    graph.want("c", [], 1);
    graph.complete("c", 1);
    expect(graph.requestStart("app", 2)).toEqual([
      { type: "waiting", unit: "app", unmet: ["a", "b"], at: 2 },
    ]);
    expect(graph.status("app")).toBe("pending");
  });

  test("requestStart of a new unit is registered and needs no wait", () => {
    const graph = new Graph();
    expect(graph.requestStart("new", 1)).toEqual([{ type: "registered", unit: "new", at: 1 }]);
  });

  test("markStarted refuses a unit that is not ready, naming what it waits for", () => {
    const graph = new Graph();
    graph.want("app", ["db", "cache"], 1);
    graph.requestStart("app", 2);
    const before = graph.units();
    expect(refusal(() => graph.markStarted("app", 3))).toEqual({
      code: "not_ready",
      message: 'unit "app" is not ready: waiting for [cache, db]',
    });
    expect(graph.units()).toEqual(before);
  });

  test("a unit may complete without having been started", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    expect(graph.complete("app", 2)).toEqual([{ type: "completed", unit: "app", at: 2 }]);
  });

  test("already_started: a second start of a started unit is refused by requestStart and markStarted", () => {
    const graph = new Graph();
    graph.requestStart("app", 1);
    graph.markStarted("app", 2);
    const before = graph.units();
    const expected = { code: "already_started", message: 'unit "app" is already started' } as const;
    expect(refusal(() => graph.requestStart("app", 3))).toEqual(expected);
    expect(refusal(() => graph.markStarted("app", 3))).toEqual(expected);
    expect(graph.units()).toEqual(before);
  });

  test("already_completed: completing twice, or failing a completed unit, is refused", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    graph.complete("app", 2);
    const before = graph.units();
    expect(refusal(() => graph.complete("app", 3))).toEqual({
      code: "already_completed",
      message: 'unit "app" is already completed',
    });
    expect(refusal(() => graph.fail("app", "late", 3))).toEqual({
      code: "already_completed",
      message: 'unit "app" is already completed and cannot fail',
    });
    expect(graph.units()).toEqual(before);
  });

  test("not_registered: markStarted and complete need a registered unit", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    const before = graph.units();
    for (const name of ["ghost", "db"]) {
      const expected = { code: "not_registered", message: `unit "${name}" is not registered` } as const;
      expect(refusal(() => graph.complete(name, 2))).toEqual(expected);
      expect(refusal(() => graph.markStarted(name, 2))).toEqual(expected);
    }
    expect(graph.units()).toEqual(before);
  });

  test("failed: a failed unit cannot complete until it is started again", () => {
    const graph = new Graph();
    graph.requestStart("app", 1);
    graph.markStarted("app", 2);
    expect(graph.fail("app", "exit status 1", 3)).toEqual([
      { type: "failed", unit: "app", reason: "exit status 1", at: 3 },
    ]);
    const before = graph.units();
    expect(refusal(() => graph.complete("app", 4))).toEqual({
      code: "failed",
      message: 'unit "app" has failed; start it again to retry before completing it',
    });
    expect(graph.units()).toEqual(before);
  });

  test("a pending unit may fail, and failing again replaces the reason", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    expect(graph.fail("app", "first", 2)).toEqual([{ type: "failed", unit: "app", reason: "first", at: 2 }]);
    expect(graph.fail("app", "second", 3)).toEqual([
      { type: "failed", unit: "app", reason: "second", at: 3 },
    ]);
    expect(graph.get("app")).toMatchObject({ status: "failed", reason: "second", times: { finishedAt: 3 } });
  });

  test("re-run: a completed unit may be started again and completed again", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    graph.requestStart("app", 2);
    graph.markStarted("app", 3);
    graph.complete("app", 4);
    expect(graph.requestStart("app", 5)).toEqual([]);
    expect(graph.status("app")).toBe("completed");
    expect(graph.markStarted("app", 6)).toEqual([{ type: "started", unit: "app", at: 6 }]);
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "started",
      dependsOn: [],
      times: { registeredAt: 1, startRequestedAt: 2, startedAt: 6 },
    });
    expect(graph.complete("app", 7)).toEqual([{ type: "completed", unit: "app", at: 7 }]);
    expect(graph.get("app")?.times).toEqual({
      registeredAt: 1,
      startRequestedAt: 2,
      startedAt: 6,
      finishedAt: 7,
    });
  });

  test("re-run waits for dependencies that are no longer completed", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    graph.complete("app", 2);
    expect(graph.requestStart("app", 3)).toEqual([{ type: "waiting", unit: "app", unmet: ["db"], at: 3 }]);
    expect(refusal(() => graph.markStarted("app", 4)).code).toBe("not_ready");
    expect(graph.status("app")).toBe("completed");
  });

  test("retry: a failed unit may be started again; starting clears the failure and its reason", () => {
    const graph = new Graph();
    graph.fail("app", "exit status 2", 1);
    expect(graph.requestStart("app", 2)).toEqual([]);
    expect(graph.status("app")).toBe("failed");
    expect(graph.markStarted("app", 3)).toEqual([{ type: "started", unit: "app", at: 3 }]);
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "started",
      dependsOn: [],
      times: { registeredAt: 1, startRequestedAt: 2, startedAt: 3 },
    });
    expect(graph.reasonOf("app")).toBeUndefined();
    expect(graph.complete("app", 4)).toEqual([{ type: "completed", unit: "app", at: 4 }]);
  });

  test("invalid_name is checked by every operation before anything else", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    graph.complete("app", 1);
    const before = graph.units();
    const bad = "has space";
    const message = 'unit name "has space" contains whitespace or a control character';
    const operations = [
      () => graph.want(bad, [], 2),
      () => graph.want("app", [bad], 2),
      () => graph.requestStart(bad, 2),
      () => graph.markStarted(bad, 2),
      () => graph.complete(bad, 2),
      () => graph.fail(bad, "x", 2),
    ];
    for (const operation of operations) expect(refusal(operation)).toEqual({ code: "invalid_name", message });
    expect(graph.units()).toEqual(before);
  });
});

describe("unit names", () => {
  const valid = [
    "a",
    "git-clone",
    "coder.git-clone",
    "my_module.db-setup:v2",
    "path/like@1",
    "数据库",
    "🚀",
    "rocket🚀.launch",
    "👩‍💻", // a ZWJ sequence: zero-width joiners are format characters, not whitespace or controls
    "a".repeat(MAX_NAME_LENGTH),
    "🚀".repeat(MAX_NAME_LENGTH),
  ];
  test.each(valid.map((name) => [name]))("accepted: %p", (name) => {
    expect(nameProblem(name)).toBeUndefined();
    const graph = new Graph();
    expect(graph.want(name, [], 1)).toEqual([{ type: "registered", unit: name, at: 1 }]);
  });

  test("the empty name is refused", () => {
    expect(nameProblem("")).toBe("unit name must not be empty");
    expect(refusal(() => new Graph().requestStart("", 1))).toEqual({
      code: "invalid_name",
      message: "unit name must not be empty",
    });
  });

  test("128 characters is the limit, counted as code points", () => {
    expect(MAX_NAME_LENGTH).toBe(128);
    expect(nameProblem("a".repeat(129))).toBe("unit name is 129 characters long; the limit is 128");
    // 128 emoji are 256 UTF-16 code units but 128 characters.
    expect("🚀".repeat(128).length).toBe(256);
    expect(nameProblem("🚀".repeat(128))).toBeUndefined();
    expect(nameProblem("🚀".repeat(129))).toBe("unit name is 129 characters long; the limit is 128");
    expect(nameProblem(`${"a".repeat(127)}🚀`)).toBeUndefined();
    expect(nameProblem(`${"a".repeat(128)}🚀`)).toBe("unit name is 129 characters long; the limit is 128");
    expect(refusal(() => new Graph().want("x".repeat(129), [], 1)).code).toBe("invalid_name");
  });

  test("every character outside the surrogates is refused exactly when /[\\s\\p{Cc}]/u matches it, or it is invisible or turns the text's direction", () => {
    // The soft hyphen, U+061C, U+180E, the zero-width space, direction marks, embeddings, overrides,
    // isolates, the word joiner and invisible operators (issue 11): they make one name look like another.
    const reference =
      /[\s\p{Cc}\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069]/u;
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCharCode(code);
      if ((nameProblem(`a${char}b`) !== undefined) !== reference.test(char))
        disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
  });

  test("a lone surrogate (not valid Unicode) is refused", () => {
    for (const name of ["\ud800", "db\udfff", "\udc00x"]) {
      expect(nameProblem(name)).toBe("unit name is not valid Unicode (it has a lone surrogate)");
    }
  });

  const whitespace: [string, string][] = [
    ["space", " "],
    ["tab", "\t"],
    ["newline", "\n"],
    ["carriage return", "\r"],
    ["vertical tab", "\v"],
    ["form feed", "\f"],
    ["no-break space", "\u00a0"],
    ["ogham space", "\u1680"],
    ["en quad", "\u2000"],
    ["em space", "\u2003"],
    ["thin space", "\u2009"],
    ["line separator", "\u2028"],
    ["paragraph separator", "\u2029"],
    ["narrow no-break space", "\u202f"],
    ["medium mathematical space", "\u205f"],
    ["ideographic space", "\u3000"],
    ["next line (NEL)", "\u0085"],
  ];
  const control: [string, string][] = [
    ["NUL", "\u0000"],
    ["bell", "\u0007"],
    ["escape", "\u001b"],
    ["unit separator", "\u001f"],
    ["DEL", "\u007f"],
    ["C1 start", "\u0080"],
    ["C1 end", "\u009f"],
  ];
  test.each([...whitespace, ...control])("refused anywhere in the name: %s", (_label, char) => {
    for (const name of [`a${char}b`, `${char}ab`, `ab${char}`, char]) {
      expect(nameProblem(name)).toBe(
        `unit name ${JSON.stringify(name)} contains whitespace or a control character`,
      );
      expect(refusal(() => new Graph().want("ok", [name], 1)).code).toBe("invalid_name");
    }
  });

  test("a long name with whitespace reports the length first", () => {
    expect(nameProblem(`${"a".repeat(129)} `)).toBe("unit name is 130 characters long; the limit is 128");
  });
});

describe("times come from the `now` passed in", () => {
  test("registeredAt is the first registration, never moved", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 100);
    graph.want("app", ["cache"], 200);
    graph.requestStart("app", 300);
    expect(graph.get("app")?.times.registeredAt).toBe(100);
    expect(graph.get("db")?.times).toEqual({});
    graph.requestStart("db", 400);
    expect(graph.get("db")?.times).toEqual({ registeredAt: 400, startRequestedAt: 400 });
  });

  test("startRequestedAt is the first start asked, kept across re-runs and retries", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    graph.requestStart("app", 10);
    graph.want("db", [], 11);
    graph.complete("db", 12);
    graph.requestStart("app", 13);
    graph.markStarted("app", 14);
    expect(graph.get("app")?.times).toEqual({ registeredAt: 1, startRequestedAt: 10, startedAt: 14 });
    graph.fail("app", "x", 20);
    graph.requestStart("app", 21);
    graph.markStarted("app", 22);
    expect(graph.get("app")?.times).toEqual({ registeredAt: 1, startRequestedAt: 10, startedAt: 22 });
  });

  test("markStarted without requestStart also records when the start was asked", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    graph.markStarted("app", 5);
    expect(graph.get("app")?.times).toEqual({ registeredAt: 1, startRequestedAt: 5, startedAt: 5 });
  });

  test("finishedAt is set by complete and fail and cleared by the next start", () => {
    const graph = new Graph();
    graph.want("app", [], 1);
    graph.requestStart("app", 2);
    graph.markStarted("app", 3);
    graph.complete("app", 4);
    expect(graph.get("app")?.times).toEqual({
      registeredAt: 1,
      startRequestedAt: 2,
      startedAt: 3,
      finishedAt: 4,
    });
    graph.markStarted("app", 5);
    expect(graph.get("app")?.times).toEqual({ registeredAt: 1, startRequestedAt: 2, startedAt: 5 });
    graph.fail("app", "x", 6);
    expect(graph.get("app")?.times).toEqual({
      registeredAt: 1,
      startRequestedAt: 2,
      startedAt: 5,
      finishedAt: 6,
    });
  });

  test("a refused operation records no time", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1);
    graph.requestStart("app", 2);
    refusal(() => graph.markStarted("app", 3));
    refusal(() => graph.complete("db", 4));
    expect(graph.get("app")?.times).toEqual({ registeredAt: 1, startRequestedAt: 2 });
    expect(graph.get("db")?.times).toEqual({});
  });

  test("times are whatever the caller says, including out of order", () => {
    const graph = new Graph();
    graph.want("app", [], 50);
    graph.markStarted("app", 10);
    graph.complete("app", 0);
    expect(graph.get("app")?.times).toEqual({
      registeredAt: 50,
      startRequestedAt: 10,
      startedAt: 10,
      finishedAt: 0,
    });
  });
});

describe("failedChain on the graph", () => {
  test("finds the shortest chain through units that are not completed", () => {
    const graph = new Graph();
    graph.want("app", ["mid", "other"], 1);
    graph.want("mid", ["root"], 1);
    graph.fail("root", "x", 2);
    expect(graph.failedChain("app")).toEqual(["app", "mid", "root"]);
    expect(graph.failedChain("mid")).toEqual(["mid", "root"]);
    expect(graph.failedChain("other")).toBeUndefined();
    // The failed unit itself: only with includeSelf, since it may be retried.
    expect(graph.failedChain("root")).toBeUndefined();
    expect(graph.failedChain("root", true)).toEqual(["root"]);
    expect(graph.failedChain("app", true)).toEqual(["app", "mid", "root"]);
  });

  test("a completed unit shields the failure behind it", () => {
    const graph = new Graph();
    graph.want("app", ["mid"], 1);
    graph.want("mid", ["root"], 1);
    graph.complete("mid", 2);
    graph.fail("root", "x", 3);
    expect(graph.failedChain("app")).toBeUndefined();
    // mid itself, being re-run, still sees its failed dependency.
    expect(graph.failedChain("mid")).toEqual(["mid", "root"]);
  });
});

describe("traverse: the one breadth-first search, in either direction", () => {
  // app -> {web, db}, web -> db -> disk, web -> cache
  const diamond = () => {
    const graph = new Graph();
    graph.want("app", ["web", "db"], 0);
    graph.want("web", ["db", "cache"], 0);
    graph.want("db", ["disk"], 0);
    return graph;
  };

  test("down follows dependencies, visiting each unit once, nearest first", () => {
    const seen: string[] = [];
    const path = diamond().traverse("app", "down", (unit) => {
      seen.push(unit);
      return "through";
    });
    expect(path).toBeUndefined();
    expect(seen).toEqual(["web", "db", "cache", "disk"]);
  });

  test("up follows dependents", () => {
    const seen: string[] = [];
    diamond().traverse("disk", "up", (unit) => {
      seen.push(unit);
      return "through";
    });
    expect(seen).toEqual(["db", "app", "web"]);
  });

  test("found ends the search with the shortest path, both ends included", () => {
    expect(diamond().traverse("app", "down", (unit) => (unit === "disk" ? "found" : "through"))).toEqual([
      "app",
      "db",
      "disk",
    ]);
    expect(diamond().traverse("disk", "up", (unit) => (unit === "web" ? "found" : "through"))).toEqual([
      "disk",
      "db",
      "web",
    ]);
  });

  test("skip is visited but not gone through: another edge may reach it again", () => {
    const seen: string[] = [];
    const path = diamond().traverse("app", "down", (unit) => {
      seen.push(unit);
      if (unit === "disk") return "found";
      return unit === "db" ? "skip" : "through";
    });
    expect(path).toBeUndefined();
    // db is asked about once per edge (app -> db, web -> db) and never gone through, so disk is never reached.
    expect(seen).toEqual(["web", "db", "db", "cache"]);
  });

  test("an unknown start reaches nothing", () => {
    expect(diamond().traverse("nobody", "down", () => "found")).toBeUndefined();
  });
});
