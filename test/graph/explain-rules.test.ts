/** explainWait with the rules of issue 14: targets, edges that need a start, before-all units. */
import { describe, expect, test } from "bun:test";
import { explainWait } from "../../src/graph/explain.ts";
import { Graph } from "../../src/graph/index.ts";

describe("explainWait through the new kinds of edges and units", () => {
  test("a pending target is followed down to the member that holds it up", () => {
    const graph = new Graph();
    graph.want("app", ["git-clone"], 0);
    graph.target("git-clone", ["git-clone.fetch", "git-clone.lfs"], 0);
    graph.want("git-clone.fetch", [], 0);
    graph.complete("git-clone.fetch", 1);
    graph.want("git-clone.lfs", [], 0);
    graph.markStarted("git-clone.lfs", 2);
    expect(explainWait(graph, "app")).toEqual({
      chain: ["app", "git-clone", "git-clone.lfs"],
      status: "started",
    });
  });

  test("a failed target is followed down to the failed member", () => {
    const graph = new Graph();
    graph.want("app", ["git-clone"], 0);
    graph.target("git-clone", ["git-clone.fetch"], 0);
    graph.fail("git-clone.fetch", "exit status 128", 1);
    expect(explainWait(graph, "app")).toEqual({
      chain: ["app", "git-clone", "git-clone.fetch"],
      status: "failed",
    });
  });

  test("an edge that needs only a start is not a blocker once the dependency runs", () => {
    const graph = new Graph();
    graph.want("app", ["db", "cache"], 0, "started");
    graph.want("db", [], 0);
    graph.markStarted("db", 1);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "cache"], status: "not registered" });
  });

  test("a before-all unit shows up as what everybody waits on", () => {
    const graph = new Graph();
    graph.beforeAll("apt-mirror", 0);
    graph.want("app", ["db"], 0);
    graph.want("db", [], 0);
    graph.markStarted("apt-mirror", 1);
    expect(explainWait(graph, "app")).toEqual({ chain: ["app", "apt-mirror"], status: "started" });
  });
});
