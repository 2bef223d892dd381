/** explainWait: from a unit that is not ready down to what it is really waiting for. */
import { describe, expect, test } from "bun:test";
import { EXPLAIN_BUDGET, explainWait } from "../../src/graph/explain.ts";
import { Graph } from "../../src/graph/index.ts";

describe("explainWait", () => {
  test("a ready unit waits on nothing", () => {
    const graph = new Graph();
    graph.want("app", [], 0);
    expect(explainWait(graph, "app")).toBeUndefined();
    expect(explainWait(graph, "never-mentioned")).toBeUndefined();
  });

  test("follows pending units down to the running one", () => {
    const graph = new Graph();
    graph.want("my-app", ["ide-setup"], 0);
    graph.want("ide-setup", ["git-clone"], 0);
    graph.requestStart("git-clone", 1);
    graph.markStarted("git-clone", 1);
    expect(explainWait(graph, "my-app")).toEqual({
      chain: ["my-app", "ide-setup", "git-clone"],
      status: "started",
    });
    expect(explainWait(graph, "ide-setup")).toEqual({ chain: ["ide-setup", "git-clone"], status: "started" });
  });

  test("a name nobody registered is a blocker", () => {
    const graph = new Graph();
    graph.want("ide-setup", ["git-clone"], 0);
    expect(explainWait(graph, "ide-setup")).toEqual({
      chain: ["ide-setup", "git-clone"],
      status: "not registered",
    });
  });

  test("a registered unit nobody started is a blocker", () => {
    const graph = new Graph();
    graph.want("app", ["db"], 0);
    graph.want("db", [], 0);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "db"], status: "pending" });
  });

  test("among several unmet dependencies: failed, then unregistered, then never started, then running", () => {
    const graph = new Graph();
    graph.want("app", ["a-running", "b-pending", "c-missing", "d-via"], 0);
    graph.requestStart("a-running", 0);
    graph.markStarted("a-running", 0);
    graph.want("b-pending", [], 0);
    graph.want("d-via", ["e-broken"], 0);
    graph.fail("e-broken", "exit 1", 5);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "d-via", "e-broken"], status: "failed" });
    graph.requestStart("e-broken", 6);
    graph.markStarted("e-broken", 6);
    graph.complete("e-broken", 7);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "c-missing"], status: "not registered" });
    graph.want("c-missing", [], 8);
    // Both b-pending and c-missing are now pending and ready: the tie goes to the name.
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "b-pending"], status: "pending" });
  });

  test("among running blockers, the one running longest; a running unit is not descended into", () => {
    const graph = new Graph();
    graph.want("app", ["late", "early"], 0);
    for (const [name, at] of [
      ["late", 50],
      ["early", 10],
    ] as const) {
      graph.requestStart(name, at);
      graph.markStarted(name, at);
    }
    // An edge added after "early" started does not make it wait.
    graph.want("early", ["other"], 60);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "early"], status: "started" });
  });

  test("a shared dependency deep in a wide graph is found without recursion limits", () => {
    const graph = new Graph();
    const depth = 5000;
    for (let i = 0; i < depth; i++) graph.want(`u${i}`, [`u${i + 1}`], 0);
    const result = explainWait(graph, "u0");
    expect(result?.chain).toHaveLength(depth + 1);
    expect(result?.status).toBe("not registered");
  });

  test("past the search budget the chain is still true: every step an unmet dependency, down to a blocker", () => {
    const graph = new Graph();
    const width = EXPLAIN_BUDGET * 3;
    const middle = Array.from({ length: width }, (_, i) => `m${String(i).padStart(5, "0")}`);
    graph.want("top", middle, 0);
    for (const unit of middle) graph.want(unit, [`${unit}.dep`, "shared"], 0);
    const result = explainWait(graph, "top");
    const chain = result?.chain ?? [];
    expect(chain.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(graph.unmetDependencies(chain[i] as string)).toContain(chain[i + 1] as string);
    }
    expect(result?.status).toBe("not registered");
  });
});
