import { formatDuration } from "../../lib/duration.ts";
import { ExitCode } from "../../lib/errors.ts";
import { type Column, renderTable } from "../../lib/table.ts";
import type { RunReport, ScriptResult } from "./runner.ts";

/** A result in a few words: `completed`, `failed (exit status 1)`, `not run (dependency failed: ...)`. */
export function describeResult(result: ScriptResult): string {
  const { outcome, reason } = result;
  if (outcome === "completed" || outcome === "timeout" || !reason) return outcome;
  // "stopped by SIGTERM" says it all; "stopped (stopped by SIGTERM)" would stutter.
  if (reason.startsWith(outcome)) return reason;
  return `${outcome} (${reason})`;
}

/**
 * The table printed when every script has finished (UNIT, RESULT, WAITED, RAN), in the order the
 * scripts started, and a totals line.
 */
export function renderSummary(report: RunReport): string {
  const columns: Column<ScriptResult>[] = [
    { header: "unit", cell: (r) => r.unit },
    { header: "result", cell: describeResult },
    { header: "waited", cell: (r) => formatDuration(r.waitedMs) },
    { header: "ran", cell: (r) => (r.ranMs === undefined ? "-" : formatDuration(r.ranMs)) },
  ];
  const counts = new Map<string, number>();
  for (const result of report.results) counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
  const totals = [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(", ");
  const table = report.results.length > 0 ? `${renderTable(columns, report.results)}\n` : "";
  return `${table}${totals || "no scripts"} in ${formatDuration(report.elapsedMs)}`;
}

/** The summary as one JSON object (for `--log-format json`). */
export function summaryJson(report: RunReport): object {
  return {
    time: new Date().toISOString(),
    level: "info",
    message: "scripts finished",
    timed_out: report.timedOut,
    ...(report.stoppedBy && { stopped_by: report.stoppedBy }),
    elapsed_ms: Math.round(report.elapsedMs),
    scripts: report.results.map((r) => ({
      unit: r.unit,
      path: r.path,
      result: r.outcome,
      ...(r.reason !== undefined && { reason: r.reason }),
      waited_ms: Math.round(r.waitedMs),
      ...(r.ranMs !== undefined && { ran_ms: Math.round(r.ranMs) }),
    })),
  };
}

/** The agent's exit status after a one-shot run: 124 on timeout, 0 when every script completed, else 1. */
export function exitStatusOf(report: RunReport): number {
  if (report.timedOut) return ExitCode.timeout;
  return report.results.every((r) => r.outcome === "completed") ? ExitCode.ok : ExitCode.refused;
}
