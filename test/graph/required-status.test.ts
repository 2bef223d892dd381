/** Edges with a required status: a dependency that only has to start (issue 14, item 1). */
import { describe, expect, test } from "bun:test";
import { evaluate, Graph, WaitSet } from "../../src/graph/index.ts";
import { refusal } from "./_support.ts";

describe("required status started", () => {
  test("the dependent is ready once the dependency has started, and stays ready when it completes", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    expect(graph.isReady("app")).toBe(false);
    expect(graph.unmetDependencies("app")).toEqual(["db"]);
    graph.requestStart("db", 2);
    expect(graph.isReady("app")).toBe(false);
    graph.markStarted("db", 3);
    expect(graph.isReady("app")).toBe(true);
    expect(graph.isSatisfied("app", "db")).toBe(true);
    graph.complete("db", 4);
    expect(graph.isReady("app")).toBe(true);
  });

  test("a completed dependency satisfies a started edge, even if it was never seen running", () => {
    const graph = new Graph();
    graph.want("db", [], 1);
    graph.complete("db", 2);
    graph.want("app", ["db"], 3, "started");
    expect(graph.isReady("app")).toBe(true);
  });

  test("edges of both kinds on one unit: each needs its own status", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    graph.want("app", ["cache"], 1);
    graph.want("db", [], 1);
    graph.want("cache", [], 1);
    graph.markStarted("db", 2);
    graph.markStarted("cache", 2);
    expect(graph.unmetDependencies("app")).toEqual(["cache"]);
    graph.complete("cache", 3);
    expect(graph.isReady("app")).toBe(true);
    expect(graph.requiredStatus("app", "db")).toBe("started");
    expect(graph.requiredStatus("app", "cache")).toBe("completed");
    expect(graph.requiredStatus("app", "nothing")).toBeUndefined();
  });

  test("the view lists the dependencies that only have to start", () => {
    const graph = new Graph();
    graph.want("app", ["db", "cache"], 1, "started");
    graph.want("app", ["disk"], 1);
    expect(graph.get("app")).toEqual({
      name: "app",
      status: "pending",
      dependsOn: ["db", "cache", "disk"],
      startedOnly: ["db", "cache"],
      times: { registeredAt: 1 },
    });
  });

  test("the same edge with the same required status is a no-op", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    expect(graph.want("app", ["db"], 2, "started")).toEqual([]);
    expect(graph.dependenciesOf("app")).toEqual(["db"]);
  });

  test("the same edge with another required status is refused, naming both, and changes nothing", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    graph.want("web", ["db"], 1);
    const before = graph.units();
    expect(refusal(() => graph.want("app", ["cache", "db"], 2))).toEqual({
      code: "edge_conflict",
      message:
        'unit "app" already depends on "db" with required status started; it cannot be changed to completed',
    });
    expect(refusal(() => graph.want("web", ["db"], 2, "started")).code).toBe("edge_conflict");
    expect(graph.units()).toEqual(before);
  });

  test("a failed dependency fails the dependent's start, whatever the required status", () => {
    const graph = new Graph();
    const waits = new WaitSet();
    graph.want("app", ["db"], 1, "started");
    graph.requestStart("app", 2);
    const waiter = { id: 1, kind: "start" as const, unit: "app" };
    waits.add(waiter);
    const resolved = waits.settle(graph, graph.fail("db", "exit status 2", 3));
    expect(resolved).toEqual([
      {
        waiter,
        outcome: { kind: "dependency_failed", failures: [{ chain: ["app", "db"], reason: "exit status 2" }] },
      },
    ]);
  });

  test("a dependency that started and then failed fails a dependent that has not started yet", () => {
    const graph = new Graph();
    graph.want("app", ["db", "cache"], 1, "started");
    graph.want("db", [], 2);
    graph.markStarted("db", 2);
    graph.fail("db", "crashed", 3);
    expect(graph.failedChain("app")).toEqual(["app", "db"]);
    expect(graph.isReady("app")).toBe(false);
  });

  test("a started dependency that only had to start shields the failure behind it", () => {
    // app needs proxy started; proxy is running; the unit proxy needed only started (a daemon
    // that later failed) does not concern app any more.
    const graph = new Graph();
    graph.want("proxy", ["config"], 1, "started");
    graph.want("app", ["proxy", "other"], 1, "started");
    graph.want("config", [], 1);
    graph.markStarted("config", 2);
    graph.markStarted("proxy", 3);
    graph.fail("config", "gone", 4);
    expect(graph.failedChain("app")).toBeUndefined();
    // A started unit that had to complete does not shield: app would wait for it forever.
    graph.want("web", ["proxy"], 5);
    expect(graph.failedChain("web")).toEqual(["web", "proxy", "config"]);
  });

  test("a start waiter is woken by the dependency's start", () => {
    const graph = new Graph();
    const waits = new WaitSet();
    graph.want("app", ["db"], 1, "started");
    graph.want("db", [], 1);
    graph.requestStart("app", 2);
    const waiter = { id: 1, kind: "start" as const, unit: "app" };
    expect(evaluate(graph, waiter)).toBeUndefined();
    waits.add(waiter);
    expect(waits.settle(graph, graph.requestStart("db", 3))).toEqual([]);
    expect(waits.settle(graph, graph.markStarted("db", 4))).toEqual([{ waiter, outcome: { kind: "ready" } }]);
  });

  test("a dependency started again (re-run) keeps a started edge satisfied", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    graph.want("db", [], 1);
    graph.markStarted("db", 2);
    graph.complete("db", 3);
    graph.markStarted("db", 4);
    expect(graph.isReady("app")).toBe(true);
  });

  test("markStarted of a unit waiting on a started edge is refused until the dependency starts", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 1, "started");
    expect(refusal(() => graph.markStarted("app", 2))).toEqual({
      code: "not_ready",
      message: 'unit "app" is not ready: waiting for [db]',
    });
  });

  test("started edges take part in the cycle check like any other", () => {
    const graph = new Graph();
    graph.want("a", ["b"], 1, "started");
    expect(refusal(() => graph.want("b", ["a"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: b -> a -> b",
    });
  });
});
