/** Before-all units: every other unit depends on them (issue 14, item 3). */
import { describe, expect, test } from "bun:test";
import { Graph, WaitSet } from "../../src/graph/index.ts";
import { refusal } from "./_support.ts";

describe("before-all units", () => {
  test("declared first: registered, and every unit mentioned later depends on it", () => {
    const graph = new Graph();
    expect(graph.beforeAll("apt-mirror", 1)).toEqual([{ type: "registered", unit: "apt-mirror", at: 1 }]);
    expect(graph.want("app", ["db"], 2)).toEqual([
      { type: "registered", unit: "app", at: 2 },
      { type: "dependencies_added", unit: "app", dependsOn: ["apt-mirror"], at: 2 },
      { type: "dependencies_added", unit: "db", dependsOn: ["apt-mirror"], at: 2 },
      { type: "dependencies_added", unit: "app", dependsOn: ["db"], at: 2 },
    ]);
    expect(graph.dependenciesOf("app")).toEqual(["apt-mirror", "db"]);
    expect(graph.dependenciesOf("db")).toEqual(["apt-mirror"]);
    expect(graph.unmetDependencies("db")).toEqual(["apt-mirror"]);
    expect(graph.get("apt-mirror")).toEqual({
      name: "apt-mirror",
      status: "pending",
      dependsOn: [],
      beforeAll: true,
      times: { registeredAt: 1 },
    });
    expect(graph.isBeforeAll("apt-mirror")).toBe(true);
    expect(graph.beforeAllUnits()).toEqual(["apt-mirror"]);
  });

  test("a unit registered by start or fail depends on it as well", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    expect(graph.requestStart("app", 2)).toEqual([
      { type: "registered", unit: "app", at: 2 },
      { type: "dependencies_added", unit: "app", dependsOn: ["proxy"], at: 2 },
      { type: "waiting", unit: "app", unmet: ["proxy"], at: 2 },
    ]);
    graph.fail("broken", "x", 3);
    expect(graph.dependenciesOf("broken")).toEqual(["proxy"]);
  });

  test("units wait for it, and its completion releases them all", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.want("a", [], 1);
    graph.want("b", [], 1);
    const waits = new WaitSet();
    graph.requestStart("a", 2);
    graph.requestStart("b", 2);
    waits.add({ id: 1, kind: "start", unit: "a" });
    waits.add({ id: 2, kind: "start", unit: "b" });
    expect(refusal(() => graph.markStarted("a", 2)).code).toBe("not_ready");
    graph.markStarted("proxy", 3);
    expect(waits.settle(graph, graph.complete("proxy", 4)).map(({ waiter }) => waiter.id)).toEqual([1, 2]);
  });

  test("its failure fails every waiting unit, naming it", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.want("app", ["db"], 1);
    graph.fail("proxy", "no network", 2);
    expect(graph.failedChain("app")).toEqual(["app", "proxy"]);
    expect(graph.failedChain("db")).toEqual(["db", "proxy"]);
  });

  test("several before-all units do not depend on each other; every other unit depends on all", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.beforeAll("apt-mirror", 1);
    expect(graph.dependenciesOf("proxy")).toEqual([]);
    expect(graph.dependenciesOf("apt-mirror")).toEqual([]);
    graph.want("app", [], 2);
    expect(graph.dependenciesOf("app")).toEqual(["proxy", "apt-mirror"]);
    // Between themselves they may be ordered explicitly.
    graph.want("apt-mirror", ["proxy"], 3);
    expect(graph.dependenciesOf("apt-mirror")).toEqual(["proxy"]);
  });

  test("declaring it again is a no-op", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.want("app", [], 1);
    expect(graph.beforeAll("proxy", 2)).toEqual([]);
    expect(graph.dependenciesOf("app")).toEqual(["proxy"]);
  });

  test("an explicit edge to it is the edge it already has: a no-op; another required status is refused", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.want("app", [], 1);
    expect(graph.want("app", ["proxy"], 2)).toEqual([]);
    expect(refusal(() => graph.want("app", ["proxy"], 2, "started"))).toEqual({
      code: "edge_conflict",
      message:
        'unit "app" already depends on "proxy" with required status completed (it is a before-all unit); it cannot be changed to started',
    });
  });

  test("a target depends on it too: even an empty target waits for the before-all units", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    expect(graph.target("empty", [], 2).map((event) => event.type)).toEqual([
      "registered",
      "dependencies_added",
    ]);
    expect(graph.status("empty")).toBe("pending");
    expect(graph.complete("proxy", 3).map((event) => `${event.type} ${event.unit}`)).toEqual([
      "completed proxy",
      "completed empty",
    ]);
  });
});

describe("cycles through a before-all unit", () => {
  test("a before-all unit that wants a unit that is not before-all is refused, naming the cycle", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    graph.want("app", [], 1);
    const before = graph.units();
    expect(refusal(() => graph.want("proxy", ["app"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: proxy -> app -> proxy",
    });
    // A name not mentioned yet would depend on it as soon as it is.
    expect(refusal(() => graph.want("proxy", ["new-name"], 2))).toEqual({
      code: "cycle",
      message: "cycle detected: proxy -> new-name -> proxy",
    });
    expect(refusal(() => graph.target("proxy", ["x"], 2)).code).toBe("cycle");
    expect(graph.units()).toEqual(before);
    expect(graph.has("new-name")).toBe(false);
  });

  test("declaring before-all a unit that already depends on other units is refused, naming the cycle", () => {
    const graph = new Graph();
    graph.want("proxy", ["network"], 1);
    graph.want("network", ["driver"], 1);
    const before = graph.units();
    expect(refusal(() => graph.beforeAll("proxy", 2))).toEqual({
      code: "cycle",
      message: "cycle detected: proxy -> network -> proxy",
    });
    expect(graph.units()).toEqual(before);
    expect(graph.isBeforeAll("proxy")).toBe(false);
  });

  test("the shortest cycle is named, through the before-all units it passes", () => {
    const graph = new Graph();
    graph.beforeAll("a", 1);
    graph.beforeAll("b", 1);
    graph.want("b", ["a"], 1);
    graph.want("c", [], 1);
    graph.want("c2", [], 1);
    // c depends on a and b; c2 too. Declaring c2 before-all: c2 -> a, b are before-all, fine.
    expect(graph.beforeAll("c2", 2).length).toBeGreaterThan(0);
    expect(graph.dependenciesOf("c2")).toEqual(["a", "b"]);
    // A unit that was plain and already depended on a plain unit cannot be declared before-all.
    graph.want("d", ["c"], 3);
    expect(refusal(() => graph.beforeAll("d", 4)).message).toBe("cycle detected: d -> c -> d");
  });
});

describe("declared after other units exist", () => {
  test("every known unit gains the edge, sorted by name; only-mentioned names too", () => {
    const graph = new Graph();
    graph.want("web", ["db"], 1);
    graph.want("app", [], 1);
    expect(graph.beforeAll("proxy", 2)).toEqual([
      { type: "registered", unit: "proxy", at: 2 },
      { type: "dependencies_added", unit: "app", dependsOn: ["proxy"], at: 2 },
      { type: "dependencies_added", unit: "db", dependsOn: ["proxy"], at: 2 },
      { type: "dependencies_added", unit: "web", dependsOn: ["proxy"], at: 2 },
    ]);
  });

  test("units already started are not un-started; waiting ones wait for it; completed ones stay completed", () => {
    const graph = new Graph();
    graph.want("running", [], 1);
    graph.markStarted("running", 1);
    graph.want("done", [], 1);
    graph.complete("done", 1);
    graph.want("waiting", ["done", "later"], 1);
    graph.requestStart("waiting", 1);
    graph.beforeAll("proxy", 2);
    expect(graph.status("running")).toBe("started");
    expect(graph.status("done")).toBe("completed");
    expect(graph.isReady("running")).toBe(false);
    expect(graph.unmetDependencies("waiting")).toEqual(["later", "proxy"]);
    // A completed unit still shields its dependents; re-running it waits for proxy.
    graph.want("after-done", ["done"], 3);
    expect(graph.unmetDependencies("after-done")).toEqual(["proxy"]);
    expect(refusal(() => graph.markStarted("done", 4)).code).toBe("not_ready");
  });

  test("an explicit edge a unit already has to it is kept as it was", () => {
    const graph = new Graph();
    graph.want("app", ["proxy"], 1, "started");
    graph.beforeAll("proxy", 2);
    expect(graph.requiredStatus("app", "proxy")).toBe("started");
  });

  test("a unit made before-all after it registered keeps the edges it had to earlier before-all units", () => {
    const graph = new Graph();
    graph.beforeAll("a", 1);
    graph.want("b", [], 1);
    graph.beforeAll("b", 2);
    expect(graph.dependenciesOf("b")).toEqual(["a"]);
    graph.want("c", [], 3);
    expect(graph.dependenciesOf("c")).toEqual(["a", "b"]);
  });

  test("a waiter on a unit is settled by the new edge: a failed before-all unit fails it at once", () => {
    const graph = new Graph();
    graph.fail("proxy", "down", 1);
    graph.want("app", [], 1);
    graph.requestStart("app", 1);
    const waits = new WaitSet();
    const waiter = { id: 1, kind: "start" as const, unit: "app" };
    waits.add(waiter);
    expect(waits.settle(graph, graph.beforeAll("proxy", 2))).toEqual([
      {
        waiter,
        outcome: { kind: "dependency_failed", failures: [{ chain: ["app", "proxy"], reason: "down" }] },
      },
    ]);
  });

  test("a pending target gains the edge and waits; a completed target stays completed", () => {
    const graph = new Graph();
    graph.target("done", [], 1);
    graph.target("open", ["x"], 1);
    graph.beforeAll("proxy", 2);
    expect(graph.status("done")).toBe("completed");
    graph.want("x", [], 3);
    graph.complete("x", 3);
    expect(graph.status("open")).toBe("pending");
    graph.complete("proxy", 4);
    expect(graph.status("open")).toBe("completed");
  });
});

describe("a new unit naming a before-all unit", () => {
  test("gets the edge once; asking for another required status is refused", () => {
    const graph = new Graph();
    graph.beforeAll("proxy", 1);
    expect(graph.want("app", ["proxy", "db"], 2).at(-1)).toEqual({
      type: "dependencies_added",
      unit: "app",
      dependsOn: ["db"],
      at: 2,
    });
    expect(graph.dependenciesOf("app")).toEqual(["proxy", "db"]);
    expect(refusal(() => graph.want("web", ["proxy"], 3, "started")).code).toBe("edge_conflict");
    expect(graph.has("web")).toBe(false);
  });
});
