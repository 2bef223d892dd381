import { usageError } from "./errors.ts";

/** Nanoseconds per unit, as Go's time.ParseDuration reads them (both spellings of the micro sign). */
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
/** The longest Go duration (2^63-1 ns, about 292 years), in ms: anything longer is not a Go duration. */
export const MAX_DURATION_MS = 9_223_372_036_854;
const HINT = "use a Go-style duration such as 90s, 5m or 1h30m (0 waits forever)";

/**
 * Parses a Go-style duration (`90s`, `5m`, `1h30m`, `1.5h`, `100us`, `0`) into whole milliseconds.
 * Every duration Go accepts is either honoured or refused (exit 2): a negative one, or one beyond
 * Go's own range, is refused; a positive one shorter than a millisecond counts as 1 ms, never 0
 * (which means "wait forever").
 */
export function parseDuration(text: string): number {
  const signed = text.startsWith("-") || text.startsWith("+");
  const body = signed ? text.slice(1) : text;
  if (body === "0") return 0;
  let ns = 0;
  let pos = 0;
  while (pos < body.length) {
    const part = readPart(body, pos);
    if (!part) break;
    ns += part.ns;
    pos = part.end;
  }
  if (body.length === 0 || pos !== body.length) {
    throw usageError(`invalid duration ${JSON.stringify(text)}`, HINT);
  }
  if (text.startsWith("-") && ns > 0) {
    throw usageError(`invalid duration ${JSON.stringify(text)}: it is negative`, HINT);
  }
  // Whole nanoseconds first: 1.1s is 1100000000.0000002 ns in floating point, and must be 1100 ms.
  const ms = Math.round(ns) / 1e6;
  if (ms > MAX_DURATION_MS) {
    throw usageError(
      `invalid duration ${JSON.stringify(text)}: longer than the longest Go duration (2562047h)`,
      HINT,
    );
  }
  return ns > 0 ? Math.max(1, Math.ceil(ms)) : 0;
}

/**
 * One `<number><unit>` of a duration at `pos` (`90s`, `1.5h`, `.5ms`, `5.s`): its nanoseconds and
 * where it ends, or undefined. A string scan rather than a regular expression, which would cost
 * every `start`, `run` and `wait` about 0.06 ms to compile (they parse their default --timeout).
 */
function readPart(text: string, pos: number): { ns: number; end: number } | undefined {
  let end = skipDigits(text, pos);
  const whole = end - pos;
  if (text[end] === ".") end = skipDigits(text, end + 1);
  // A number has a digit before or after its point: "5", "5.", "5.2", ".2", but not ".".
  if (whole === 0 && end - pos < 2) return undefined;
  // The two-letter units first: at "ms" the unit is ms, not m.
  const two = text.slice(end, end + 2);
  const unit = two.length === 2 && UNIT_NS[two] !== undefined ? two : text[end];
  const perUnit = unit === undefined ? undefined : UNIT_NS[unit];
  if (perUnit === undefined) return undefined;
  return { ns: Number(text.slice(pos, end)) * perUnit, end: end + (unit as string).length };
}

/** "1.50" as "1.5", "2.00" as "2": what /\.?0+$/ removed, without a regular expression (see readPart). */
function withoutTrailingZeros(decimal: string): string {
  let end = decimal.length;
  while (end > 0 && decimal[end - 1] === "0") end--;
  if (end < decimal.length && decimal[end - 1] === ".") end--;
  return decimal.slice(0, end);
}

function skipDigits(text: string, pos: number): number {
  while (pos < text.length && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
  return pos;
}

/** Formats milliseconds the way Go prints a time.Duration, trimmed for humans (`1m30s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${withoutTrailingZeros((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}
