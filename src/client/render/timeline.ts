import { compareNames } from "../../graph/names.ts";
import type { SnapshotResponse, SnapshotUnit } from "../../protocol/snapshot-events.ts";

/** A stretch of time on the timeline, in milliseconds after the origin. */
export interface Span {
  from: number;
  to: number;
  /** Still going: `to` is the snapshot's "now". */
  open: boolean;
}

/** One unit on the timeline; every time is in milliseconds after the origin. */
export interface TimelineRow {
  unit: string;
  status: SnapshotUnit["status"];
  reason?: string;
  /** A target (completes by itself) or a before-all unit. */
  kind?: "target" | "before-all";
  dependsOn: string[];
  registered?: number;
  startRequested?: number;
  started?: number;
  finished?: number;
  /** From its first `start` request until it started (or failed, or now while it still waits). */
  wait?: Span;
  /** From when it started until it completed or failed (or now while it still runs). */
  run?: Span;
  /** On the critical path. */
  critical: boolean;
}

/** The chain of units that determined when the last one finished. */
export interface CriticalPath {
  units: string[];
  /** When the first unit of the chain started. */
  start: number;
  /** When the last one finished (or now, if it is still running). */
  end: number;
}

/** The startup laid out in time: rows sorted by start, times relative to the first event. */
export interface Timeline {
  /** The first recorded time (epoch ms); undefined when nothing has a time yet. */
  origin?: number;
  /** The snapshot's time, relative to the origin. */
  now: number;
  /** The last time anything on the timeline reaches (a bar's end, or an event). */
  end: number;
  rows: TimelineRow[];
  critical?: CriticalPath;
}

/**
 * Lays a snapshot out in time. Rows are sorted by when the unit started (or, never started, when
 * it finished); units that have neither come after, by when their start was asked, when they were
 * registered, then names only depended upon; ties by name.
 */
export function buildTimeline(snapshot: SnapshotResponse): Timeline {
  const absolute = snapshot.units.map((unit) => ({ unit, at: absoluteTimes(unit) }));
  const all = absolute.flatMap(({ at }) => Object.values(at).filter((t): t is number => t !== undefined));
  const nowAbs = Date.parse(snapshot.now);
  // (Not Math.min(...all): a spread of tens of thousands of arguments can overflow the stack.)
  const origin = all.length > 0 ? all.reduce((a, b) => Math.min(a, b)) : undefined;
  const base = origin ?? nowAbs;
  const now = Math.max(0, nowAbs - base);
  const rows = absolute.map(({ unit, at }) => rowOf(unit, at, base, now));
  rows.sort(compareRows);
  const critical = criticalPath(rows);
  if (critical) {
    const onPath = new Set(critical.units);
    for (const row of rows) row.critical = onPath.has(row.unit);
  }
  let end = 0;
  for (const row of rows) {
    end = Math.max(end, row.wait?.to ?? 0, row.run?.to ?? 0, row.finished ?? 0, row.registered ?? 0);
  }
  return { ...(origin !== undefined && { origin }), now, end, rows, ...(critical && { critical }) };
}

/**
 * The critical path: start from the unit that finished last (a running unit counts as finishing
 * now), then repeatedly step to the dependency that finished last before it started, as long as the
 * unit really waited for it (the dependency finished after the unit's start was asked; otherwise
 * the unit's own script, not a dependency, decided when it started). Ties go to the unit that
 * started first, then to the name. Only units that ran (have a start time) can end the path.
 */
export function criticalPath(rows: readonly TimelineRow[]): CriticalPath | undefined {
  const byName = new Map(rows.map((row) => [row.unit, row]));
  let last: TimelineRow | undefined;
  for (const row of rows) {
    if (!row.run) continue;
    if (!last || endsLater(row, row.run.to, last, (last.run as Span).to)) last = row;
  }
  if (!last) return undefined;
  const chain = [last];
  const seen = new Set([last.unit]);
  for (let current = last; current.started !== undefined; ) {
    const startedAt = current.started;
    const askedAt = current.startRequested ?? startedAt;
    let next: TimelineRow | undefined;
    for (const dep of current.dependsOn) {
      const row = byName.get(dep);
      if (!row || row.finished === undefined || seen.has(dep)) continue;
      if (row.finished > startedAt || row.finished < askedAt) continue;
      if (!next || endsLater(row, row.finished, next, next.finished as number)) next = row;
    }
    if (!next) break;
    chain.push(next);
    seen.add(next.unit);
    current = next;
  }
  chain.reverse();
  const first = chain[0] as TimelineRow;
  return {
    units: chain.map((row) => row.unit),
    start: first.started ?? first.finished ?? 0,
    end: (last.run as Span).to,
  };
}

// --- internal ---

interface AbsoluteTimes {
  registered?: number;
  startRequested?: number;
  started?: number;
  finished?: number;
}

function absoluteTimes(unit: SnapshotUnit): AbsoluteTimes {
  const parse = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  return {
    registered: parse(unit.times.registered_at),
    startRequested: parse(unit.times.start_requested_at),
    started: parse(unit.times.started_at),
    finished: parse(unit.times.finished_at),
  };
}

function rowOf(unit: SnapshotUnit, at: AbsoluteTimes, base: number, now: number): TimelineRow {
  const rel = (t: number | undefined) => (t === undefined ? undefined : t - base);
  const row: TimelineRow = {
    unit: unit.unit_name,
    status: unit.status,
    dependsOn: unit.depends_on,
    critical: false,
  };
  if (unit.reason !== undefined) row.reason = unit.reason;
  if (unit.kind !== undefined) row.kind = unit.kind;
  // A target waits for its members from its declaration and is done the moment they are: a wait
  // bar, then a run of no length, so the critical path goes on through it to the member that
  // finished last.
  const target = unit.kind === "target";
  const registered = rel(at.registered);
  const startRequested = rel(at.startRequested ?? (target ? at.registered : undefined));
  const started = rel(at.started ?? (target && unit.status === "completed" ? at.finished : undefined));
  const finished = rel(at.finished);
  if (registered !== undefined) row.registered = registered;
  if (startRequested !== undefined) row.startRequested = startRequested;
  if (started !== undefined) row.started = started;
  if (finished !== undefined) row.finished = finished;

  if (startRequested !== undefined) {
    // A unit that never started stopped waiting when it completed or failed; else it still waits.
    const to = started ?? (unit.status === "pending" ? undefined : finished);
    row.wait = { from: startRequested, to: to ?? Math.max(now, startRequested), open: to === undefined };
  }
  if (started !== undefined) {
    const running = unit.status === "started" || finished === undefined;
    const to = running ? Math.max(now, started) : (finished as number);
    row.run = { from: started, to, open: running };
  }
  return row;
}

function compareRows(a: TimelineRow, b: TimelineRow): number {
  const keys = (row: TimelineRow) => [
    row.started ?? row.finished ?? Number.POSITIVE_INFINITY,
    row.startRequested ?? Number.POSITIVE_INFINITY,
    row.registered ?? Number.POSITIVE_INFINITY,
  ];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    const d = (ka[i] as number) - (kb[i] as number);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return compareNames(a.unit, b.unit);
}

/** Whether `a` (ending at aEnd) should be preferred over `b`: later end, then earlier start, then name. */
function endsLater(a: TimelineRow, aEnd: number, b: TimelineRow, bEnd: number): boolean {
  if (aEnd !== bEnd) return aEnd > bEnd;
  const aStart = a.started ?? a.finished ?? 0;
  const bStart = b.started ?? b.finished ?? 0;
  if (aStart !== bStart) return aStart < bStart;
  return a.unit < b.unit;
}
