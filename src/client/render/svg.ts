import { formatDuration } from "../../lib/duration.ts";
import type { Span, Timeline, TimelineRow } from "./timeline.ts";

/** Colours of the Gantt chart; exported so tests can check that each bar has the right one. */
export const SVG_COLORS = {
  waiting: "#bfdbfe",
  running: "#2563eb",
  failed: "#dc2626",
  completedMark: "#16a34a",
  criticalRow: "#fef3c7",
  criticalStroke: "#111827",
  stripe: "#f9fafb",
  grid: "#e5e7eb",
  now: "#dc2626",
  text: "#111827",
  muted: "#6b7280",
} as const;

/** Height of one unit's row, in pixels. */
export const ROW_HEIGHT = 18;

/**
 * The timeline as a self-contained SVG Gantt chart, in the spirit of `systemd-analyze plot`: one
 * row per unit (in the timeline's order), a light bar while it waited for its dependencies and a
 * dark one while it ran (red if it failed, striped if still running), the critical path's rows
 * highlighted and its steps joined, and a time axis with ticks at the top and bottom. The label
 * column is as wide as the longest name; every text is XML-escaped.
 */
export function renderTimelineSvg(timeline: Timeline): string {
  const layout = layoutFor(timeline);
  const { width, height, chartLeft, top } = layout;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${SANS}" font-size="11">`,
    "<defs>",
    `<pattern id="still-running" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${SVG_COLORS.running}"/><rect width="3" height="6" fill="#93c5fd"/></pattern>`,
    "</defs>",
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...header(timeline),
  ];

  // Row backgrounds first, so grid lines and bars draw over them.
  timeline.rows.forEach((row, i) => {
    const y = top + i * ROW_HEIGHT;
    const fill = row.critical ? SVG_COLORS.criticalRow : i % 2 === 1 ? SVG_COLORS.stripe : undefined;
    if (fill)
      out.push(
        `<rect class="row-bg" x="0" y="${y}" width="${width}" height="${ROW_HEIGHT}" fill="${fill}"/>`,
      );
  });
  out.push(...axis(layout));
  // The critical path's steps go under the bars and notes, which they would otherwise cross.
  out.push(...criticalLinks(timeline, layout));
  timeline.rows.forEach((row, i) => {
    out.push(...rowMarkup(row, top + i * ROW_HEIGHT, layout));
  });
  if (timeline.rows.some((row) => row.wait?.open || row.run?.open)) {
    const x = layout.x(timeline.now);
    out.push(
      `<line class="now" x1="${x}" y1="${top - 4}" x2="${x}" y2="${layout.bottom}" stroke="${SVG_COLORS.now}" stroke-dasharray="3 2"/>`,
      `<text x="${x}" y="${layout.bottom + 26}" text-anchor="middle" fill="${SVG_COLORS.now}">now</text>`,
    );
  }
  if (timeline.rows.length === 0) {
    out.push(`<text x="${chartLeft}" y="${top + 13}" fill="${SVG_COLORS.muted}">No units registered</text>`);
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** Escapes text for XML content and attribute values, dropping characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (!xmlAllows(code)) continue;
    out += ENTITIES[char] ?? char;
  }
  return out;
}

/** Whether XML 1.0 allows the code point (a lone surrogate, as iterated, is a code point it refuses). */
export function xmlAllows(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    code >= 0x10000
  );
}

// --- internal ---

const MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const SANS = "DejaVu Sans, Helvetica, Arial, sans-serif";
/** Advance of one monospace character at 12px (DejaVu Sans Mono, Menlo and Consolas are close). */
const CHAR_WIDTH = 7.3;
const PAD = 16;
const CHART_WIDTH = 960;
/** Room right of the chart for the duration text of bars that end near the right edge. */
const NOTE_WIDTH = 260;
const BAR_HEIGHT = 12;
const HEADER_HEIGHT = 96;
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

interface Layout {
  width: number;
  height: number;
  labelLeft: number;
  chartLeft: number;
  top: number;
  bottom: number;
  span: number;
  step: number;
  x: (ms: number) => number;
}

function layoutFor(timeline: Timeline): Layout {
  const longest = timeline.rows.reduce((most, row) => Math.max(most, Bun.stringWidth(row.unit)), 12);
  const labelLeft = PAD + 12;
  const chartLeft = labelLeft + Math.ceil(longest * CHAR_WIDTH) + PAD;
  // timeline.end reaches "now" only while something still waits or runs: a chart taken an hour
  // after a finished startup keeps its scale.
  const { span, step } = scale(Math.max(timeline.end, 1));
  const top = HEADER_HEIGHT;
  const bottom = top + Math.max(1, timeline.rows.length) * ROW_HEIGHT;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    width: chartLeft + CHART_WIDTH + NOTE_WIDTH,
    height: bottom + 30 + PAD,
    labelLeft,
    chartLeft,
    top,
    bottom,
    span,
    step,
    x: (ms) => round(chartLeft + (Math.min(Math.max(ms, 0), span) / span) * CHART_WIDTH),
  };
}

/** A round axis length covering `end` and a tick step giving 5 to 12 ticks. */
function scale(end: number): { span: number; step: number } {
  const raw = end / 10;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) as number) || 1;
  return { span: Math.ceil(end / step) * step, step };
}

function header(timeline: Timeline): string[] {
  const counts = new Map<string, number>();
  for (const row of timeline.rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(", ");
  const origin = timeline.origin === undefined ? "" : `, from ${new Date(timeline.origin).toISOString()}`;
  const path = timeline.critical;
  const pathText = path
    ? `Critical path ${formatDuration(path.end - path.start)}: ${abridge(path.units).join(" → ")}`
    : "No critical path yet (nothing has started)";
  const legend: [string, string][] = [
    [`fill="${SVG_COLORS.waiting}"`, "waiting for dependencies"],
    [`fill="${SVG_COLORS.running}"`, "running"],
    ['fill="url(#still-running)"', "still running"],
    [`fill="${SVG_COLORS.failed}"`, "failed"],
    [`fill="${SVG_COLORS.criticalRow}" stroke="${SVG_COLORS.criticalStroke}"`, "critical path"],
  ];
  const out = [
    `<text class="title" x="${PAD}" y="24" font-size="15" font-weight="bold" fill="${SVG_COLORS.text}">unitsync startup: ${timeline.rows.length} units, ${escapeXml(formatDuration(timeline.end))}${escapeXml(origin)}</text>`,
    `<text class="subtitle" x="${PAD}" y="42" fill="${SVG_COLORS.muted}">${escapeXml(summary || "no units")}. ${escapeXml(pathText)}</text>`,
  ];
  let x = PAD;
  for (const [paint, label] of legend) {
    out.push(
      `<rect class="legend" x="${x}" y="54" width="14" height="10" ${paint}/>`,
      `<text x="${x + 19}" y="63" fill="${SVG_COLORS.text}">${escapeXml(label)}</text>`,
    );
    x += 19 + label.length * 6.4 + 18;
  }
  return out;
}

function axis(layout: Layout): string[] {
  const out: string[] = [];
  for (let t = 0; t <= layout.span + layout.step / 2; t += layout.step) {
    const x = layout.x(t);
    const label = t === 0 ? "0" : formatDuration(t);
    out.push(
      `<line class="tick" x1="${x}" y1="${layout.top - 6}" x2="${x}" y2="${layout.bottom}" stroke="${SVG_COLORS.grid}"/>`,
      `<text class="tick-label" x="${x}" y="${layout.top - 9}" text-anchor="middle" fill="${SVG_COLORS.muted}">${label}</text>`,
      `<text class="tick-label" x="${x}" y="${layout.bottom + 12}" text-anchor="middle" fill="${SVG_COLORS.muted}">${label}</text>`,
    );
  }
  out.push(
    `<line class="axis" x1="${layout.chartLeft}" y1="${layout.top - 1}" x2="${layout.x(layout.span)}" y2="${layout.top - 1}" stroke="${SVG_COLORS.muted}"/>`,
  );
  return out;
}

function rowMarkup(row: TimelineRow, y: number, layout: Layout): string[] {
  const mid = y + ROW_HEIGHT / 2;
  const barY = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
  const unregistered = row.status === "not registered";
  const out = [
    `<g class="row" data-unit="${escapeXml(row.unit)}" data-status="${row.status}"${row.critical ? ' data-critical="true"' : ""}>`,
    `<title>${escapeXml(tooltip(row))}</title>`,
    `<text class="label" x="${layout.labelLeft}" y="${mid + 4}" font-family="${MONO}" font-size="12"${row.critical ? ' font-weight="bold"' : ""}${unregistered ? ` font-style="italic" fill="${SVG_COLORS.muted}"` : ` fill="${SVG_COLORS.text}"`}>${escapeXml(row.unit)}</text>`,
  ];
  const bar = (kind: string, span: Span, fill: string) => {
    const x = layout.x(span.from);
    const w = Math.max(1, Math.round((layout.x(span.to) - x) * 10) / 10);
    const outline =
      row.critical && kind !== "wait" ? ` stroke="${SVG_COLORS.criticalStroke}" stroke-width="1.5"` : "";
    out.push(
      `<rect class="bar ${kind}" x="${x}" y="${barY}" width="${w}" height="${BAR_HEIGHT}" fill="${fill}"${outline}/>`,
    );
    return x + w;
  };
  let end = layout.chartLeft;
  if (row.wait) end = bar("wait", row.wait, SVG_COLORS.waiting);
  if (row.run) {
    const fill =
      row.status === "failed" ? SVG_COLORS.failed : row.run.open ? "url(#still-running)" : SVG_COLORS.running;
    end = bar(row.run.open ? "run running" : row.status === "failed" ? "run failed" : "run", row.run, fill);
  }
  if (!row.run && row.finished !== undefined) {
    // Finished without ever starting: `fail` before `start`, or `complete` on a pending unit.
    const x = layout.x(row.finished);
    const color = row.status === "failed" ? SVG_COLORS.failed : SVG_COLORS.completedMark;
    out.push(
      `<path class="mark ${row.status}" d="M${x} ${mid - 5} L${x + 5} ${mid} L${x} ${mid + 5} L${x - 5} ${mid} Z" fill="${color}"/>`,
    );
    end = Math.max(end, x + 5);
  }
  const note = noteFor(row);
  if (note) {
    const x =
      unregistered || (!row.wait && !row.run && row.finished === undefined)
        ? layout.x(row.registered ?? 0)
        : end;
    const color = row.status === "failed" ? SVG_COLORS.failed : SVG_COLORS.muted;
    // A white halo keeps the note readable where a critical-path step passes behind it.
    out.push(
      `<text class="note" x="${x + 4}" y="${mid + 4}" fill="${color}" stroke="#ffffff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke">${escapeXml(note)}</text>`,
    );
  }
  out.push("</g>");
  return out;
}

function criticalLinks(timeline: Timeline, layout: Layout): string[] {
  const path = timeline.critical;
  if (!path || path.units.length < 2) return [];
  const index = new Map(timeline.rows.map((row, i) => [row.unit, i]));
  const out: string[] = [];
  for (let i = 0; i + 1 < path.units.length; i++) {
    const a = timeline.rows[index.get(path.units[i] as string) as number] as TimelineRow;
    const bIndex = index.get(path.units[i + 1] as string) as number;
    const b = timeline.rows[bIndex] as TimelineRow;
    const aY = layout.top + (index.get(a.unit) as number) * ROW_HEIGHT + ROW_HEIGHT / 2;
    const bY = layout.top + bIndex * ROW_HEIGHT + ROW_HEIGHT / 2;
    const x1 = layout.x(a.finished ?? 0);
    const x2 = layout.x(b.started ?? 0);
    out.push(
      `<path class="critical-link" d="M${x1} ${aY} V${bY} H${x2}" fill="none" stroke="${SVG_COLORS.criticalStroke}" stroke-width="1" stroke-dasharray="2 2"/>`,
    );
  }
  return out;
}

/** The short text after a unit's bars. */
function noteFor(row: TimelineRow): string {
  if (row.status === "not registered") return "not registered (only depended upon)";
  const parts: string[] = [];
  // A wait of a few milliseconds is the request round trip, not waiting: the bar shows it anyway.
  if (row.wait && (row.wait.open || row.wait.to - row.wait.from >= 10)) {
    parts.push(`${row.wait.open ? "waiting" : "waited"} ${formatDuration(row.wait.to - row.wait.from)}`);
  }
  if (row.run) {
    const took = formatDuration(row.run.to - row.run.from);
    parts.push(
      row.run.open ? `running ${took}` : row.status === "failed" ? `failed after ${took}` : `ran ${took}`,
    );
  } else if (row.status === "failed") parts.push("failed before starting");
  else if (row.status === "completed") parts.push("completed without start");
  else if (!row.wait) parts.push("registered, start not asked");
  if (row.reason) parts.push(shorten(row.reason, 60));
  return parts.join(" · ");
}

function tooltip(row: TimelineRow): string {
  const at = (label: string, ms: number | undefined) =>
    ms === undefined ? [] : [`${label} +${formatDuration(ms)}`];
  return [
    `${row.unit}: ${row.status}${row.critical ? " (critical path)" : ""}`,
    ...at("registered", row.registered),
    ...at("start asked", row.startRequested),
    ...at("started", row.started),
    ...at("finished", row.finished),
    ...(row.dependsOn.length > 0 ? [`depends on: ${row.dependsOn.join(", ")}`] : []),
    ...(row.reason ? [`reason: ${row.reason}`] : []),
  ].join("\n");
}

/** A long chain as its first and last three units around a count of the ones left out. */
function abridge(units: string[]): string[] {
  if (units.length <= 8) return units;
  return [...units.slice(0, 3), `(${units.length - 6} more)`, ...units.slice(-3)];
}

function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
