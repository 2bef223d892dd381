/** The SVG Gantt chart, parsed as XML and checked by its rows, rectangles and colours. */
import { describe, expect, test } from "bun:test";
import { escapeXml, ROW_HEIGHT, renderTimelineSvg, SVG_COLORS } from "../../src/client/render/svg.ts";
import { buildTimeline } from "../../src/client/render/timeline.ts";
import { allElements, hasClass, parseXml, snapshotOf, type XmlElement } from "./_support.ts";

const WEIRD = `a<b>&"c'/[d].e#`;
const timeline = buildTimeline(
  snapshotOf(3000, [
    { name: "git-clone", req: 0, start: 0, fin: 1000 },
    { name: "deps", deps: ["git-clone"], req: 0, start: 1000, fin: 2000 },
    { name: WEIRD, deps: ["deps"], req: 100, start: 2000 },
    { name: "dotfiles", status: "failed", reason: "exit status 1 <oops>", req: 0, start: 0, fin: 400 },
    { name: "ide", deps: ["nobody"], req: 0 },
  ]),
);
const svg = parseXml(renderTimelineSvg(timeline));
const elements = allElements(svg);
const rows = elements.filter((el) => el.name === "g" && hasClass(el, "row"));
const rowOf = (unit: string) => rows.find((row) => row.attrs["data-unit"] === unit) as XmlElement;
const bars = (row: XmlElement, kind: string) =>
  row.children.filter((el) => el.name === "rect" && hasClass(el, kind));
const num = (el: XmlElement | undefined, attr: string) => Number(el?.attrs[attr]);

describe("timeline -o svg", () => {
  test("is one well-formed SVG document with its size declared", () => {
    expect(svg.name).toBe("svg");
    expect(svg.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(svg.attrs.viewBox).toBe(`0 0 ${svg.attrs.width} ${svg.attrs.height}`);
    // Self-contained: no external references, no scripts.
    expect(elements.some((el) => el.name === "script" || el.name === "image" || "href" in el.attrs)).toBe(
      false,
    );
  });

  test("one row per unit, in the timeline's order, names escaped and intact", () => {
    expect(rows.map((row) => row.attrs["data-unit"])).toEqual(timeline.rows.map((row) => row.unit));
    const labels = rows.map((row) => row.children.find((el) => hasClass(el, "label"))?.text);
    expect(labels).toEqual(timeline.rows.map((row) => row.unit));
    expect(labels).toContain(WEIRD);
  });

  test("waiting and running bars in two shades; failed in the warning colour; still running striped", () => {
    const fills = (unit: string, kind: string) => bars(rowOf(unit), kind).map((el) => el.attrs.fill);
    expect(fills("deps", "wait")).toEqual([SVG_COLORS.waiting]);
    expect(fills("deps", "run")).toEqual([SVG_COLORS.running]);
    expect(fills("dotfiles", "run")).toEqual([SVG_COLORS.failed]);
    expect(fills(WEIRD, "run")).toEqual(["url(#still-running)"]);
    expect(elements.some((el) => el.name === "pattern" && el.attrs.id === "still-running")).toBe(true);
    expect(fills("ide", "wait")).toEqual([SVG_COLORS.waiting]);
    expect(fills("ide", "run")).toEqual([]);
    expect(bars(rowOf("nobody"), "bar")).toEqual([]);
    const note = rowOf("dotfiles").children.find((el) => hasClass(el, "note"));
    expect(note?.text).toBe("failed after 400ms · exit status 1 <oops>");
  });

  test("bars sit at their times on one scale: wait ends where run begins, later starts further right", () => {
    const deps = rowOf("deps");
    const wait = bars(deps, "wait")[0];
    const run = bars(deps, "run")[0];
    expect(num(wait, "x") + num(wait, "width")).toBeCloseTo(num(run, "x"), 0);
    const clone = bars(rowOf("git-clone"), "run")[0];
    expect(num(clone, "x") + num(clone, "width")).toBeCloseTo(num(run, "x"), 0);
    expect(num(run, "width")).toBeCloseTo(num(clone, "width"), 0);
    // Rows are ROW_HEIGHT apart.
    expect(num(run, "y") - num(clone, "y")).toBe(ROW_HEIGHT);
  });

  test("the critical path's rows are highlighted and its run bars outlined", () => {
    expect(timeline.critical?.units).toEqual(["git-clone", "deps", WEIRD]);
    expect(
      rows.filter((row) => row.attrs["data-critical"] === "true").map((row) => row.attrs["data-unit"]),
    ).toEqual(["git-clone", "deps", WEIRD]);
    const highlighted = elements.filter(
      (el) => hasClass(el, "row-bg") && el.attrs.fill === SVG_COLORS.criticalRow,
    );
    expect(highlighted).toHaveLength(3);
    expect(bars(rowOf("deps"), "run")[0]?.attrs.stroke).toBe(SVG_COLORS.criticalStroke);
    expect(bars(rowOf("dotfiles"), "run")[0]?.attrs.stroke).toBeUndefined();
    expect(elements.filter((el) => hasClass(el, "critical-link"))).toHaveLength(2);
    const subtitle = elements.find((el) => hasClass(el, "subtitle"));
    expect(subtitle?.text).toContain(`Critical path 3s: git-clone → deps → ${WEIRD}`);
  });

  test("a time axis with round ticks from 0 past the end", () => {
    const labels = [...new Set(elements.filter((el) => hasClass(el, "tick-label")).map((el) => el.text))];
    expect(labels).toEqual(["0", "500ms", "1s", "1.5s", "2s", "2.5s", "3s"]);
    const ticks = elements.filter((el) => hasClass(el, "tick")).map((el) => num(el, "x1"));
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
  });

  test("the label column fits the longest name", () => {
    const chartLeft = Math.min(...elements.filter((el) => hasClass(el, "tick")).map((el) => num(el, "x1")));
    const labelX = num(
      rows[0]?.children.find((el) => hasClass(el, "label")),
      "x",
    );
    expect(chartLeft - labelX).toBeGreaterThanOrEqual(WEIRD.length * 7.2);
    for (const row of rows)
      for (const bar of bars(row, "bar")) expect(num(bar, "x")).toBeGreaterThanOrEqual(chartLeft);
  });

  test("stays readable at 100 units: fixed row height, every row drawn", () => {
    const specs = Array.from({ length: 100 }, (_, i) => ({
      name: `module-${String(i).padStart(3, "0")}.step`,
      deps: i === 0 ? [] : [`module-${String(i - 1).padStart(3, "0")}.step`],
      req: 0,
      start: i * 100,
      fin: i * 100 + 100,
    }));
    const big = parseXml(renderTimelineSvg(buildTimeline(snapshotOf(10_000, specs))));
    const bigRows = allElements(big).filter((el) => hasClass(el, "row"));
    expect(bigRows).toHaveLength(100);
    expect(Number(big.attrs.height)).toBeGreaterThanOrEqual(100 * ROW_HEIGHT);
    expect(Number(big.attrs.height)).toBeLessThan(100 * ROW_HEIGHT + 200);
    const runs = bigRows.map((row) => row.children.find((el) => hasClass(el, "run")));
    expect(runs.every((bar) => Number(bar?.attrs.width) >= 9)).toBe(true);
    expect(allElements(big).filter((el) => hasClass(el, "critical-link"))).toHaveLength(99);
  });

  test("an empty graph still renders a valid chart", () => {
    const empty = parseXml(renderTimelineSvg(buildTimeline(snapshotOf(0, []))));
    expect(allElements(empty).some((el) => el.text === "No units registered")).toBe(true);
  });
});

describe("escapeXml", () => {
  test("escapes markup and drops what XML 1.0 cannot hold, keeping other characters", () => {
    expect(escapeXml(`<a href="x">&'\u0001\ud800é日本😀\t`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&amp;&#39;é日本😀\t",
    );
  });
});
