/** Targets: a unit that completes by itself once its members have (issue 14, item 2). */
import { describe, expect, test } from "bun:test";
import { evaluate, Graph, WaitSet } from "../../src/graph/index.ts";
import { refusal } from "./_support.ts";

/** A graph with target `git-clone` of two registered members. */
function module() {
  const graph = new Graph();
  graph.want("git-clone.fetch", [], 1);
  graph.want("git-clone.submodules", ["git-clone.fetch"], 1);
  graph.target("git-clone", ["git-clone.fetch", "git-clone.submodules"], 2);
  return graph;
}

describe("declaring a target", () => {
  test("registers the unit as a pending target of its members", () => {
    const graph = new Graph();
    expect(graph.target("git-clone", ["git-clone.fetch", "git-clone.submodules"], 5)).toEqual([
      { type: "registered", unit: "git-clone", at: 5 },
      {
        type: "dependencies_added",
        unit: "git-clone",
        dependsOn: ["git-clone.fetch", "git-clone.submodules"],
        at: 5,
      },
    ]);
    expect(graph.get("git-clone")).toEqual({
      name: "git-clone",
      status: "pending",
      dependsOn: ["git-clone.fetch", "git-clone.submodules"],
      target: true,
      times: { registeredAt: 5 },
    });
    expect(graph.isTarget("git-clone")).toBe(true);
    expect(graph.isTarget("git-clone.fetch")).toBe(false);
  });

  test("a target with no members completes at once (a module with nothing to do holds nobody up)", () => {
    const graph = new Graph();
    expect(graph.target("empty", [], 3)).toEqual([
      { type: "registered", unit: "empty", at: 3 },
      { type: "completed", unit: "empty", at: 3 },
    ]);
    expect(graph.get("empty")?.times).toEqual({ registeredAt: 3, finishedAt: 3 });
  });

  test("a target whose members have all completed already completes in the same call", () => {
    const graph = new Graph();
    graph.want("a", [], 1);
    graph.complete("a", 2);
    expect(graph.target("t", ["a"], 3).map((event) => event.type)).toEqual([
      "registered",
      "dependencies_added",
      "completed",
    ]);
  });

  test("a name first mentioned as a dependency can become a target; its dependents keep it", () => {
    const graph = new Graph();
    graph.want("app", ["git-clone"], 1);
    graph.target("git-clone", ["git-clone.fetch"], 2);
    expect(graph.dependentsOf("git-clone")).toEqual(["app"]);
    expect(graph.unmetDependencies("app")).toEqual(["git-clone"]);
  });

  test("a pending unit nobody asked to start can become a target; its dependencies become members", () => {
    const graph = new Graph();
    graph.want("t", ["a"], 1);
    graph.target("t", ["b"], 2);
    expect(graph.get("t")?.dependsOn).toEqual(["a", "b"]);
    expect(graph.isTarget("t")).toBe(true);
  });

  test("a unit that was asked to start, started, completed or failed cannot become a target", () => {
    const graph = new Graph();
    graph.requestStart("asked", 1);
    graph.want("running", [], 1);
    graph.markStarted("running", 1);
    graph.fail("broken", "x", 1);
    expect(refusal(() => graph.target("asked", ["a"], 2))).toEqual({
      code: "target_conflict",
      message: 'unit "asked" is already a unit of its own (asked to start); it cannot become a target',
    });
    expect(refusal(() => graph.target("running", [], 2)).message).toBe(
      'unit "running" is already a unit of its own (started); it cannot become a target',
    );
    expect(refusal(() => graph.target("broken", [], 2)).code).toBe("target_conflict");
    expect(graph.isTarget("asked")).toBe(false);
  });

  test("a target is never started, completed or failed by hand", () => {
    const graph = module();
    const before = graph.units();
    expect(refusal(() => graph.requestStart("git-clone", 3))).toEqual({
      code: "target_conflict",
      message:
        'unit "git-clone" is a target: it cannot be started by hand; it completes by itself once its members have',
    });
    expect(refusal(() => graph.markStarted("git-clone", 3)).code).toBe("target_conflict");
    expect(refusal(() => graph.complete("git-clone", 3)).code).toBe("target_conflict");
    expect(refusal(() => graph.fail("git-clone", "no", 3)).code).toBe("target_conflict");
    expect(graph.units()).toEqual(before);
  });

  test("members close cycles like any edge", () => {
    const graph = new Graph();
    graph.want("a", ["t"], 1);
    expect(refusal(() => graph.target("t", ["a"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: t -> a -> t",
    });
    expect(graph.isTarget("t")).toBe(false);
    expect(refusal(() => graph.target("s", ["s"], 2)).code).toBe("cycle");
  });

  test("a member that the unit already needs only started is an edge conflict", () => {
    const graph = new Graph();
    graph.want("t", ["a"], 1, "started");
    expect(refusal(() => graph.target("t", ["a"], 2)).code).toBe("edge_conflict");
  });
});

describe("a target completes by itself", () => {
  test("the moment its last member completes, in the same call", () => {
    const graph = module();
    graph.markStarted("git-clone.fetch", 3);
    expect(graph.complete("git-clone.fetch", 4)).toEqual([
      { type: "completed", unit: "git-clone.fetch", at: 4 },
    ]);
    graph.markStarted("git-clone.submodules", 5);
    expect(graph.complete("git-clone.submodules", 6)).toEqual([
      { type: "completed", unit: "git-clone.submodules", at: 6 },
      { type: "completed", unit: "git-clone", at: 6 },
    ]);
    expect(graph.get("git-clone")?.times).toEqual({ registeredAt: 2, finishedAt: 6 });
  });

  test("waiters on the target and on its dependents are woken by that completion", () => {
    const graph = module();
    graph.want("app", ["git-clone"], 2);
    graph.requestStart("app", 2);
    const waits = new WaitSet();
    const start = { id: 1, kind: "start" as const, unit: "app" };
    const wait = { id: 2, kind: "complete" as const, units: ["git-clone"], any: false };
    waits.add(start);
    waits.add(wait);
    graph.complete("git-clone.fetch", 3);
    expect(waits.settle(graph, graph.complete("git-clone.submodules", 4))).toEqual([
      { waiter: start, outcome: { kind: "ready" } },
      { waiter: wait, outcome: { kind: "completed", units: ["git-clone"] } },
    ]);
  });

  test("targets of targets complete in one call, inner first", () => {
    const graph = new Graph();
    graph.want("a", [], 1);
    graph.target("inner", ["a"], 1);
    graph.target("outer", ["inner"], 1);
    graph.target("also", ["a"], 1);
    expect(graph.complete("a", 2).map((event) => `${event.type} ${event.unit}`)).toEqual([
      "completed a",
      "completed also",
      "completed inner",
      "completed outer",
    ]);
  });

  test("a completed target stays completed when a member is run again", () => {
    const graph = module();
    graph.complete("git-clone.fetch", 3);
    graph.complete("git-clone.submodules", 4);
    graph.markStarted("git-clone.fetch", 5);
    graph.fail("git-clone.fetch", "again", 6);
    expect(graph.status("git-clone")).toBe("completed");
  });

  test("a member that only has to start (want on the target) completes the target once started", () => {
    const graph = new Graph();
    graph.want("daemon", [], 1);
    graph.target("services", [], 1);
    // services completed at once (no members): it cannot gain one now.
    expect(refusal(() => graph.want("services", ["daemon"], 2, "started")).code).toBe("already_completed");
    graph.target("ready", ["config"], 2);
    graph.want("ready", ["daemon"], 2, "started");
    graph.complete(graph.want("config", [], 3) && "config", 3);
    expect(graph.status("ready")).toBe("pending");
    expect(graph.markStarted("daemon", 4).map((event) => `${event.type} ${event.unit}`)).toEqual([
      "started daemon",
      "completed ready",
    ]);
  });
});

describe("gaining members, and the race with the last member completing", () => {
  test("members may be added while the target is pending; it then waits for them too", () => {
    const graph = module();
    graph.complete("git-clone.fetch", 3);
    graph.target("git-clone", ["git-clone.lfs"], 4);
    expect(graph.complete("git-clone.submodules", 5).map((event) => event.unit)).toEqual([
      "git-clone.submodules",
    ]);
    expect(graph.status("git-clone")).toBe("pending");
    graph.want("git-clone.lfs", [], 6);
    expect(graph.complete("git-clone.lfs", 7).map((event) => event.unit)).toEqual([
      "git-clone.lfs",
      "git-clone",
    ]);
  });

  test("the member declared before the last member completes: the target waits for it", () => {
    const graph = module();
    graph.complete("git-clone.fetch", 3);
    graph.target("git-clone", ["git-clone.extra"], 4);
    graph.complete("git-clone.submodules", 5);
    expect(graph.status("git-clone")).toBe("pending");
  });

  test("the last member completes first: the target has completed, and the late member is refused", () => {
    const graph = module();
    graph.complete("git-clone.fetch", 3);
    graph.complete("git-clone.submodules", 4);
    const before = graph.units();
    expect(refusal(() => graph.target("git-clone", ["git-clone.extra"], 5))).toEqual({
      code: "already_completed",
      message: 'target "git-clone" has already completed; it cannot gain members [git-clone.extra]',
    });
    expect(refusal(() => graph.want("git-clone", ["git-clone.extra"], 5)).code).toBe("already_completed");
    expect(graph.units()).toEqual(before);
  });

  test("declaring members it already has, after it completed, is a no-op (a script run twice)", () => {
    const graph = module();
    graph.complete("git-clone.fetch", 3);
    graph.complete("git-clone.submodules", 4);
    expect(graph.target("git-clone", ["git-clone.fetch"], 5)).toEqual([]);
    expect(graph.target("git-clone", [], 5)).toEqual([]);
  });
});

describe("a target fails with the chain, and recovers when the member is retried", () => {
  test("a failing member fails the target in the same call, naming the chain down to the root", () => {
    const graph = module();
    graph.markStarted("git-clone.fetch", 3);
    expect(graph.fail("git-clone.fetch", "exit status 128", 4)).toEqual([
      { type: "failed", unit: "git-clone.fetch", reason: "exit status 128", at: 4 },
      {
        type: "failed",
        unit: "git-clone",
        reason: "dependency failed: git-clone -> git-clone.fetch: git-clone.fetch failed: exit status 128",
        at: 4,
      },
    ]);
    expect(graph.reasonOf("git-clone")).toBe(
      "dependency failed: git-clone -> git-clone.fetch: git-clone.fetch failed: exit status 128",
    );
    expect(graph.get("git-clone")?.reason).toBe(graph.reasonOf("git-clone"));
  });

  test("a dependent waiting on the target fails with the whole chain to the member's reason", () => {
    const graph = module();
    graph.want("app", ["git-clone"], 2);
    graph.requestStart("app", 2);
    const waits = new WaitSet();
    const start = { id: 1, kind: "start" as const, unit: "app" };
    const wait = { id: 2, kind: "complete" as const, units: ["git-clone"], any: false };
    waits.add(start);
    waits.add(wait);
    expect(waits.settle(graph, graph.fail("git-clone.fetch", "exit status 128", 3))).toEqual([
      {
        waiter: start,
        outcome: {
          kind: "dependency_failed",
          failures: [{ chain: ["app", "git-clone", "git-clone.fetch"], reason: "exit status 128" }],
        },
      },
      {
        waiter: wait,
        outcome: {
          kind: "dependency_failed",
          failures: [{ chain: ["git-clone", "git-clone.fetch"], reason: "exit status 128" }],
        },
      },
    ]);
  });

  test("a failure deeper below a member fails the target too", () => {
    const graph = module();
    graph.fail("git-clone.fetch", "x", 3);
    expect(graph.status("git-clone")).toBe("failed");
    expect(graph.failedChain("git-clone")).toEqual(["git-clone", "git-clone.fetch"]);
  });

  test("retrying the member puts the target back to pending (reset), and its completion completes it", () => {
    const graph = module();
    graph.fail("git-clone.fetch", "x", 3);
    expect(graph.requestStart("git-clone.fetch", 4)).toEqual([]);
    expect(graph.status("git-clone")).toBe("failed");
    expect(graph.markStarted("git-clone.fetch", 5)).toEqual([
      { type: "started", unit: "git-clone.fetch", at: 5 },
      { type: "reset", unit: "git-clone", at: 5 },
    ]);
    expect(graph.get("git-clone")).toEqual({
      name: "git-clone",
      status: "pending",
      dependsOn: ["git-clone.fetch", "git-clone.submodules"],
      target: true,
      times: { registeredAt: 2 },
    });
    graph.complete("git-clone.fetch", 6);
    graph.markStarted("git-clone.submodules", 7);
    expect(graph.complete("git-clone.submodules", 8).map((event) => event.unit)).toEqual([
      "git-clone.submodules",
      "git-clone",
    ]);
  });

  test("the target stays failed while another member is still failed", () => {
    const graph = new Graph();
    graph.target("t", ["a", "b"], 1);
    graph.fail("a", "x", 2);
    graph.fail("b", "y", 3);
    expect(graph.markStarted("a", 4).map((event) => event.type)).toEqual(["started"]);
    expect(graph.status("t")).toBe("failed");
    expect(graph.reasonOf("t")).toBe("dependency failed: t -> b: b failed: y");
    expect(graph.markStarted("b", 5).map((event) => event.type)).toEqual(["started", "reset"]);
  });

  test("a failing member fails targets of targets, and its retry resets them all", () => {
    const graph = new Graph();
    graph.target("inner", ["a"], 1);
    graph.target("outer", ["inner"], 1);
    expect(graph.fail("a", "x", 2).map((event) => `${event.type} ${event.unit}`)).toEqual([
      "registered a",
      "failed a",
      "failed inner",
      "failed outer",
    ]);
    expect(graph.reasonOf("outer")).toBe("dependency failed: outer -> inner -> a: a failed: x");
    expect(graph.markStarted("a", 3).map((event) => `${event.type} ${event.unit}`)).toEqual([
      "started a",
      "reset inner",
      "reset outer",
    ]);
  });

  test("a new member that has already failed fails the target at once", () => {
    const graph = module();
    graph.fail("broken", "x", 3);
    expect(graph.target("git-clone", ["broken"], 4).map((event) => event.type)).toEqual([
      "dependencies_added",
      "failed",
    ]);
  });

  test("evaluate on a failed target: waiting for it fails, naming the member", () => {
    const graph = module();
    graph.fail("git-clone.submodules", "y", 3);
    expect(evaluate(graph, { id: 1, kind: "complete", units: ["git-clone"], any: false })).toEqual({
      kind: "dependency_failed",
      failures: [{ chain: ["git-clone", "git-clone.submodules"], reason: "y" }],
    });
  });
});

describe("cost", () => {
  test("with a target open, a start or a completion looks at its direct dependents, not the whole graph", () => {
    // 1,000 units in a chain-like DAG, and one target waiting on the last: each start and
    // completion used to walk everything upstream (quadratic: seconds at 2,000 units).
    const graph = new Graph();
    const size = 1000;
    graph.target("all", [`u${size - 1}`], 0);
    for (let i = 0; i < size; i++) graph.want(`u${i}`, i > 0 ? [`u${i - 1}`, `u${i >> 1}`] : [], 0);
    let visits = 0;
    const traverse = graph.traverse.bind(graph);
    graph.traverse = (from, direction, visit) =>
      traverse(from, direction, (unit, reachedFrom) => {
        visits++;
        return visit(unit, reachedFrom);
      });
    for (let i = 0; i < size; i++) {
      graph.markStarted(`u${i}`, 1);
      graph.complete(`u${i}`, 2);
    }
    expect(graph.status("all")).toBe("completed");
    expect(visits).toBeLessThan(10 * size);
  });
});
