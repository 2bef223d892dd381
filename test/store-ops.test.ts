/** The shared log's operations of issue 14, applied to a copy of the graph (no store needed). */
import { describe, expect, test } from "bun:test";
import { applyOp, type Owner } from "../src/agent/store/ops.ts";
import { Graph } from "../src/graph/index.ts";

describe("applyOp: required status, targets, before-all", () => {
  test("two copies that apply the same entries agree, refusals included", () => {
    const copies = [new Graph(), new Graph()];
    const owners = new Map<string, Owner>();
    for (const graph of copies) {
      applyOp(graph, { t: "before_all", unit: "apt-mirror", at: 1 }, "a", owners);
      applyOp(graph, { t: "want", unit: "app", deps: ["db"], req: "started", at: 2 }, "a", owners);
      applyOp(graph, { t: "target", unit: "git-clone", deps: ["fetch"], at: 3 }, "a", owners);
      expect(() => applyOp(graph, { t: "want", unit: "app", deps: ["db"], at: 4 }, "a", owners)).toThrow(
        "cannot be changed to completed",
      );
    }
    const [first, second] = copies as [Graph, Graph];
    expect(first.units()).toEqual(second.units());
    expect(first.requiredStatus("app", "db")).toBe("started");
    expect(first.isTarget("git-clone")).toBe(true);
    expect(first.dependenciesOf("git-clone")).toEqual(["apt-mirror", "fetch"]);
  });

  test("a want entry without req (as written before required statuses) needs completion", () => {
    const graph = new Graph();
    applyOp(graph, { t: "want", unit: "app", deps: ["db"], at: 1 }, "a", new Map());
    expect(graph.requiredStatus("app", "db")).toBe("completed");
  });
});
