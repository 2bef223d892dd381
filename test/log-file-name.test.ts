/**
 * A unit's log file name (src/agent/scripts/log-files.ts): the name itself when it is plain, else an
 * escaped, shortened slug and a hash. Held to the regular expressions it was first written with, so
 * an existing unit keeps logging to the same file.
 */
import { expect, test } from "bun:test";
import { logFileName } from "../src/agent/scripts/log-files.ts";
import { seededBelow } from "./_random.ts";

/** The first implementation. */
function model(unit: string): string {
  if (/^[A-Za-z0-9._-]+$/.test(unit) && unit.length <= 128) return `${unit}.log`;
  const slug = unit.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
  const hash = new Bun.CryptoHasher("sha256").update(unit).digest("hex").slice(0, 12);
  return `${slug}~${hash}.log`;
}

test("log file names are what the first implementation made, for plain, escaped, long and astral names", () => {
  const pieces = ["a", "Z", "9", ".", "_", "-", "/", " ", "é", "😀", "~", "\u0000", "web", "api"];
  const random = seededBelow(11);
  const names = [
    "web/api",
    "web_api",
    "db",
    "x".repeat(128),
    "x".repeat(129),
    "é".repeat(128),
    "😀".repeat(40),
  ];
  for (let i = 0; i < 5_000; i++) {
    let name = "";
    for (let k = random(random(8) === 0 ? 100 : 8); k >= 0; k--) name += pieces[random(pieces.length)];
    names.push(name);
  }
  for (const unit of names) expect({ unit, file: logFileName(unit) }).toEqual({ unit, file: model(unit) });
});
