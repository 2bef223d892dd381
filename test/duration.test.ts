/**
 * Go-style durations (--timeout, --progress-interval, header timings, UNITSYNC_CONNECT_TIMEOUT): the
 * accepted forms and the refusals, and the string scan held to the regular expression it replaced.
 */
import { describe, expect, test } from "bun:test";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "../src/lib/duration.ts";
import { UnitsyncError } from "../src/lib/errors.ts";
import { seededBelow } from "./_random.ts";

/** The first implementation: one sticky regular expression per `<number><unit>`. */
function modelParse(text: string): number | "refused" {
  const unitNs: Record<string, number> = {
    ns: 1,
    us: 1e3,
    "\u00b5s": 1e3,
    "\u03bcs": 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;
  const signed = text.startsWith("-") || text.startsWith("+");
  const body = signed ? text.slice(1) : text;
  if (body === "0") return 0;
  let ns = 0;
  let pos = 0;
  while (pos < body.length) {
    part.lastIndex = pos;
    const m = part.exec(body);
    if (!m) break;
    ns += Number(m[1]) * (unitNs[m[2] as string] as number);
    pos = part.lastIndex;
  }
  if (body.length === 0 || pos !== body.length) return "refused";
  if (text.startsWith("-") && ns > 0) return "refused";
  const ms = Math.round(ns) / 1e6;
  if (ms > MAX_DURATION_MS) return "refused";
  return ns > 0 ? Math.max(1, Math.ceil(ms)) : 0;
}

function parsed(text: string): number | "refused" {
  try {
    return parseDuration(text);
  } catch (error) {
    if (!(error instanceof UnitsyncError)) throw error;
    expect(error.exitCode).toBe(2);
    return "refused";
  }
}

describe("parseDuration", () => {
  test("reads every form Go's time.ParseDuration reads, in whole milliseconds", () => {
    const cases: [string, number][] = [
      ["0", 0],
      ["-0", 0],
      ["+0", 0],
      ["0s", 0],
      ["90s", 90_000],
      ["5m", 300_000],
      ["1h30m", 5_400_000],
      ["1.5h", 5_400_000],
      ["1h0.5m", 3_630_000],
      [".5s", 500],
      ["5.s", 5000],
      ["1.1s", 1100],
      ["250ms", 250],
      ["100us", 1],
      ["1\u00b5s", 1],
      ["1\u03bcs", 1],
      ["1ns", 1],
      ["+5s", 5000],
      ["1m1ms", 60_001],
      ["2562047h", 9_223_369_200_000],
    ];
    for (const [text, ms] of cases) expect({ text, ms: parsed(text) }).toEqual({ text, ms });
  });

  test("refuses what Go refuses, and what it cannot hold, with a usage error", () => {
    for (const text of ["", "-", "+", "5", "s", ".", ".s", "1.5.5s", "1x", "1m1", "1e3s", "5 s", " 5s"])
      expect({ text, ms: parsed(text) }).toEqual({ text, ms: "refused" });
    expect(parsed("-5s")).toBe("refused");
    expect(parsed("2562048h")).toBe("refused");
  });

  test("agrees with the regular expression it replaced on random strings", () => {
    const pieces = [
      "0",
      "1",
      "5",
      "9",
      "12",
      ".",
      "ns",
      "us",
      "\u00b5s",
      "\u03bcs",
      "ms",
      "s",
      "m",
      "h",
      "-",
      "+",
      "x",
    ];
    const random = seededBelow(13);
    for (let i = 0; i < 20_000; i++) {
      let text = "";
      for (let k = random(7); k >= 0; k--) text += pieces[random(pieces.length)];
      expect({ text, ms: parsed(text) }).toEqual({ text, ms: modelParse(text) });
    }
  });
});

describe("formatDuration", () => {
  test("prints milliseconds as Go prints a duration, trimmed as the first implementation trimmed them", () => {
    // The seconds branch (1 s to under a minute) is the one that trimmed with a regular expression.
    const model = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, "")}s`;
    expect(formatDuration(840)).toBe("840ms");
    expect(formatDuration(1250)).toBe("1.25s");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(2000)).toBe("2s");
    expect(formatDuration(10_000)).toBe("10s");
    expect(formatDuration(59_990)).toBe("60s");
    expect(formatDuration(90_000)).toBe("1m30s");
    for (let ms = 1000; ms < 60_000; ms += 7)
      expect({ ms, text: formatDuration(ms) }).toEqual({ ms, text: model(ms) });
    for (const ms of [1000.4, 1004.9, 1005, 9995, 9999.9, 10_049, 10_050, 59_949])
      expect(formatDuration(ms)).toBe(model(ms));
  });
});
