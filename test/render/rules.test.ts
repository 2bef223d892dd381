/** The views of issue 14: targets, before-all units and started edges in graph and timeline. */
import { describe, expect, test } from "bun:test";
import { renderDot } from "../../src/client/render/dot.ts";
import { graphJson } from "../../src/client/render/graph-json.ts";
import { renderMermaid } from "../../src/client/render/mermaid.ts";
import { buildTimeline } from "../../src/client/render/timeline.ts";
import { timelineTable } from "../../src/client/render/timeline-text.ts";
import type { SnapshotUnit } from "../../src/protocol/schemas.ts";
import { snapshotOf } from "./_support.ts";

/** fetch, then the target git-clone (completed with it), then app; app also needs daemon started. */
function startup() {
  const snapshot = snapshotOf(1000, [
    { name: "fetch", req: 0, start: 0, fin: 400 },
    { name: "git-clone", deps: ["fetch"], reg: 0, fin: 400 },
    { name: "daemon", req: 0, start: 50, fin: 300 },
    { name: "app", deps: ["git-clone", "daemon"], req: 0, start: 400, fin: 900 },
  ]);
  const unit = (name: string) => snapshot.units.find((u) => u.unit_name === name) as SnapshotUnit;
  unit("git-clone").kind = "target";
  unit("app").started_only = ["daemon"];
  return snapshot;
}

describe("graph views", () => {
  test("DOT: a target has a double border and says so; a started edge is dashed and labelled", () => {
    const dot = renderDot(startup().units);
    expect(dot).toContain('label="git-clone\\ntarget: completed"');
    expect(dot).toMatch(/n\d+ \[label="git-clone\\ntarget: completed".*peripheries=2\];/);
    expect(dot).toMatch(/n\d+ -> n\d+ \[style=dashed, label="started", fontsize=9\];/);
    expect(dot.match(/style=dashed, label="started"/g)).toHaveLength(1);
  });

  test("Mermaid: a target is a hexagon, a before-all unit a double-sided box, a started edge dotted", () => {
    const snapshot = startup();
    (snapshot.units.find((u) => u.unit_name === "fetch") as SnapshotUnit).kind = "before-all";
    const mermaid = renderMermaid(snapshot.units);
    expect(mermaid).toContain('{{"git-clone<br/>target: completed"}}');
    expect(mermaid).toContain('[["fetch<br/>before all: completed"]]');
    expect(mermaid).toMatch(/n\d+ -\.->\|started\| n\d+/);
  });

  test("JSON: the node's kind, the edge's required status when it is started, satisfied by a start", () => {
    const json = graphJson(startup().units);
    expect(json.nodes).toContainEqual({
      unit_name: "git-clone",
      status: "completed",
      is_ready: true,
      kind: "target",
    });
    expect(json.edges).toContainEqual({
      unit: "app",
      depends_on: "daemon",
      required_status: "started",
      is_satisfied: true,
    });
    expect(json.edges).toContainEqual({ unit: "app", depends_on: "git-clone", is_satisfied: true });
  });
});

describe("timeline", () => {
  test("a target waits from its declaration, and the critical path goes through it to its last member", () => {
    const timeline = buildTimeline(startup());
    const target = timeline.rows.find((row) => row.unit === "git-clone");
    expect(target).toMatchObject({
      kind: "target",
      wait: { from: 0, to: 400, open: false },
      run: { from: 400, to: 400 },
    });
    expect(timeline.critical?.units).toEqual(["fetch", "git-clone", "app"]);
    expect(timelineTable(timeline)).toMatch(/^git-clone \(target\)\s+completed/m);
  });
});
