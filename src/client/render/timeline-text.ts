import { formatDuration } from "../../lib/duration.ts";
import { type Column, renderTable } from "../../lib/table.ts";
import type { Timeline, TimelineRow } from "./timeline.ts";

/** The timeline as `timeline -o json` prints it: times in milliseconds after `origin`. */
export function timelineJson(timeline: Timeline) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    origin: iso(timeline.origin),
    now_ms: timeline.now,
    end_ms: timeline.end,
    units: timeline.rows.map((row) => ({
      unit_name: row.unit,
      status: row.status,
      ...(row.reason !== undefined && { reason: row.reason }),
      ...(row.kind !== undefined && { kind: row.kind }),
      depends_on: row.dependsOn,
      registered_ms: row.registered ?? null,
      start_requested_ms: row.startRequested ?? null,
      started_ms: row.started ?? null,
      finished_ms: row.finished ?? null,
      waited_ms: row.wait ? row.wait.to - row.wait.from : null,
      ran_ms: row.run ? row.run.to - row.run.from : null,
      waiting: row.wait?.open ?? false,
      running: row.run?.open ?? false,
      critical: row.critical,
    })),
    critical_path: timeline.critical
      ? {
          units: timeline.critical.units,
          start_ms: timeline.critical.start,
          end_ms: timeline.critical.end,
          total_ms: timeline.critical.end - timeline.critical.start,
        }
      : null,
  };
}

/** The timeline as a table, then one line naming the critical path and its total. */
export function timelineTable(timeline: Timeline, only?: string): string {
  if (timeline.rows.length === 0) return "No units registered";
  const lines = [renderTable(TIMELINE_COLUMNS, timeline.rows, only)];
  const path = timeline.critical;
  if (path) {
    const last = timeline.rows.find((row) => row.unit === path.units[path.units.length - 1]);
    const note = last?.run?.open
      ? ` (${last.unit} still running)`
      : last?.status === "failed"
        ? ` (${last.unit} failed)`
        : "";
    lines.push(
      "",
      `Critical path (${formatDuration(path.end - path.start)}, ${offset(path.start)} to ${offset(path.end)}): ${path.units.join(" -> ")}${note}`,
    );
  }
  return lines.join("\n");
}

/** The table's columns, for `-c` (checked before any request). */
export const TIMELINE_COLUMNS: Column<TimelineRow>[] = [
  { header: "unit", cell: (row) => (row.kind === "target" ? `${row.unit} (target)` : row.unit) },
  { header: "status", cell: (row) => row.status },
  { header: "registered", cell: (row) => offset(row.registered) },
  { header: "start asked", cell: (row) => offset(row.startRequested) },
  { header: "started", cell: (row) => (row.wait?.open ? "waiting" : offset(row.started)) },
  { header: "finished", cell: (row) => (row.run?.open ? "running" : offset(row.finished)) },
  { header: "waited", cell: (row) => span(row.wait) },
  { header: "ran", cell: (row) => span(row.run) },
  { header: "critical", cell: (row) => (row.critical ? "*" : "") },
];

// --- internal ---

function offset(ms: number | undefined): string {
  return ms === undefined ? "-" : `+${formatDuration(ms)}`;
}

function span(s: { from: number; to: number } | undefined): string {
  return s ? formatDuration(s.to - s.from) : "-";
}
