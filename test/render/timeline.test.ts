/** The timeline model and its critical path, on hand-built startups (times in ms after T0). */
import { describe, expect, test } from "bun:test";
import { buildTimeline } from "../../src/client/render/timeline.ts";
import { timelineJson, timelineTable } from "../../src/client/render/timeline-text.ts";
import { snapshotOf, T0 } from "./_support.ts";

describe("critical path", () => {
  test("follows the dependency that finished last before each unit started", () => {
    const timeline = buildTimeline(
      snapshotOf(1000, [
        { name: "git-clone", req: 0, start: 0, fin: 400 },
        { name: "dotfiles", req: 0, start: 0, fin: 100 },
        { name: "deps", deps: ["git-clone", "dotfiles"], req: 0, start: 400, fin: 700 },
        { name: "ide", deps: ["deps"], req: 5, start: 700, fin: 900 },
        { name: "motd", req: 0, start: 10, fin: 600 },
      ]),
    );
    expect(timeline.critical).toEqual({ units: ["git-clone", "deps", "ide"], start: 0, end: 900 });
    expect(timeline.rows.filter((row) => row.critical).map((row) => row.unit)).toEqual([
      "git-clone",
      "deps",
      "ide",
    ]);
    expect(timelineJson(timeline).critical_path).toEqual({
      units: ["git-clone", "deps", "ide"],
      start_ms: 0,
      end_ms: 900,
      total_ms: 900,
    });
  });

  test("ties: the last unit and each step go to the one that started first, then by name", () => {
    const timeline = buildTimeline(
      snapshotOf(1000, [
        { name: "a", req: 0, start: 0, fin: 100 },
        { name: "b", req: 0, start: 20, fin: 100 },
        { name: "c", req: 0, start: 0, fin: 100 },
        // x and y end together; x started earlier, so x ends the path.
        { name: "x", deps: ["a", "b", "c"], req: 0, start: 100, fin: 500 },
        { name: "y", deps: ["b"], req: 0, start: 300, fin: 500 },
      ]),
    );
    // a, b and c all finished at 100: b started later, a and c tie on start, a wins by name.
    expect(timeline.critical?.units).toEqual(["a", "x"]);
  });

  test("a failed unit that finished last ends the path", () => {
    const timeline = buildTimeline(
      snapshotOf(2000, [
        { name: "db", req: 0, start: 0, fin: 300 },
        {
          name: "migrate",
          status: "failed",
          reason: "exit status 2",
          deps: ["db"],
          req: 0,
          start: 300,
          fin: 1200,
        },
        { name: "web", deps: ["migrate"], req: 0 },
      ]),
    );
    expect(timeline.critical).toEqual({ units: ["db", "migrate"], start: 0, end: 1200 });
    const web = timeline.rows.find((row) => row.unit === "web");
    // web still waits (its start will fail, but the snapshot shows it pending): open wait to now.
    expect(web?.wait).toEqual({ from: 0, to: 2000, open: true });
    expect(web?.run).toBeUndefined();
    expect(timelineTable(timeline)).toContain(
      "Critical path (1.2s, +0ms to +1.2s): db -> migrate (migrate failed)",
    );
  });

  test("a unit still running counts as finishing now", () => {
    const timeline = buildTimeline(
      snapshotOf(5000, [
        { name: "clone", req: 0, start: 0, fin: 1000 },
        { name: "build", deps: ["clone"], req: 0, start: 1000 },
        { name: "lint", deps: ["clone"], req: 0, start: 1000, fin: 4000 },
      ]),
    );
    expect(timeline.critical).toEqual({ units: ["clone", "build"], start: 0, end: 5000 });
    const build = timeline.rows.find((row) => row.unit === "build");
    expect(build?.run).toEqual({ from: 1000, to: 5000, open: true });
    expect(timelineTable(timeline)).toContain("-> build (build still running)");
  });

  test("stops at a unit that did not wait: its dependency was done before its start was asked", () => {
    const timeline = buildTimeline(
      snapshotOf(3000, [
        { name: "clone", req: 0, start: 0, fin: 100 },
        { name: "late", deps: ["clone"], req: 2000, start: 2000, fin: 2500 },
      ]),
    );
    expect(timeline.critical).toEqual({ units: ["late"], start: 2000, end: 2500 });
  });

  test("skips a dependency that finished after the unit started (re-run later)", () => {
    const timeline = buildTimeline(
      snapshotOf(3000, [
        { name: "a", req: 0, start: 0, fin: 100 },
        { name: "b", req: 0, start: 800, fin: 900 },
        { name: "c", deps: ["a", "b"], req: 0, start: 500, fin: 2000 },
      ]),
    );
    expect(timeline.critical?.units).toEqual(["a", "c"]);
  });

  test("a dependency completed without starting still counts as the step, and the walk stops there", () => {
    const timeline = buildTimeline(
      snapshotOf(3000, [
        { name: "marker", reg: 0, fin: 700, status: "completed" },
        { name: "app", deps: ["marker"], req: 0, start: 700, fin: 1500 },
      ]),
    );
    expect(timeline.critical).toEqual({ units: ["marker", "app"], start: 700, end: 1500 });
  });

  test("waiting units never end the path; with nothing started there is no path", () => {
    const waiting = buildTimeline(snapshotOf(9000, [{ name: "w", deps: ["missing"], req: 0 }]));
    expect(waiting.critical).toBeUndefined();
    expect(timelineJson(waiting).critical_path).toBeNull();
    expect(timelineTable(waiting)).not.toContain("Critical path");
  });
});

describe("timeline rows", () => {
  const timeline = buildTimeline(
    snapshotOf(3000, [
      { name: "z-first", req: 0, start: 0, fin: 500 },
      { name: "b-second", deps: ["z-first"], req: 100, start: 500, fin: 900 },
      { name: "a-running", req: 0, start: 900 },
      { name: "failed-early", status: "failed", reason: "no disk", reg: 200, fin: 200 },
      { name: "waiting", deps: ["ghost"], req: 50 },
      { name: "declared", deps: ["z-first"], reg: 10 },
    ]),
  );

  test("are sorted by start; never-started units after, then names only depended upon", () => {
    expect(timeline.rows.map((row) => row.unit)).toEqual([
      "z-first",
      "failed-early",
      "b-second",
      "a-running",
      "waiting",
      "declared",
      "ghost",
    ]);
  });

  test("carry waiting and running spans relative to the first event", () => {
    expect(timeline.origin).toBe(T0);
    expect(timeline.now).toBe(3000);
    const row = (name: string) => timeline.rows.find((r) => r.unit === name);
    expect(row("b-second")).toMatchObject({
      wait: { from: 100, to: 500, open: false },
      run: { from: 500, to: 900, open: false },
    });
    expect(row("a-running")?.run).toEqual({ from: 900, to: 3000, open: true });
    expect(row("waiting")?.wait).toEqual({ from: 50, to: 3000, open: true });
    expect(row("failed-early")).toMatchObject({ status: "failed", reason: "no disk", finished: 200 });
    expect(row("failed-early")?.run).toBeUndefined();
    expect(row("declared")?.wait).toBeUndefined();
    expect(row("ghost")).toMatchObject({ status: "not registered", dependsOn: [] });
  });

  test("table: offsets, open spans, and the critical mark", () => {
    const lines = timelineTable(timeline).split("\n");
    expect(lines[0]).toBe(
      "UNIT          STATUS          REGISTERED  START ASKED  STARTED  FINISHED  WAITED  RAN    CRITICAL",
    );
    expect(lines.find((l) => l.startsWith("b-second"))).toBe(
      "b-second      completed       +100ms      +100ms       +500ms   +900ms    400ms   400ms",
    );
    expect(lines.find((l) => l.startsWith("a-running"))).toBe(
      "a-running     started         +0ms        +0ms         +900ms   running   900ms   2.1s   *",
    );
    expect(lines.find((l) => l.startsWith("waiting"))).toBe(
      "waiting       pending         +50ms       +50ms        waiting  -         2.95s   -",
    );
    expect(lines.find((l) => l.startsWith("ghost"))).toBe(
      "ghost         not registered  -           -            -        -         -       -",
    );
  });

  test("json: every unit with its offsets and flags", () => {
    const json = timelineJson(timeline);
    expect(json.origin).toBe(new Date(T0).toISOString());
    expect(json.units.find((u) => u.unit_name === "a-running")).toEqual({
      unit_name: "a-running",
      status: "started",
      depends_on: [],
      registered_ms: 0,
      start_requested_ms: 0,
      started_ms: 900,
      finished_ms: null,
      waited_ms: 900,
      ran_ms: 2100,
      waiting: false,
      running: true,
      critical: true,
    });
  });

  test("an empty graph has no rows", () => {
    const empty = buildTimeline(snapshotOf(0, []));
    expect(empty).toEqual({ now: 0, end: 0, rows: [] });
    expect(timelineTable(empty)).toBe("No units registered");
  });
});
