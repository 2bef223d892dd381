/**
 * The unit of work the template runners share: bench/lib/work.c, compiled into bench/out/work, which
 * stamps its start and end (microseconds) into $WORK_LOG and sleeps in between. Without a C compiler
 * a bash script does the same, with bash's own start-up (1-3 ms) inside every stamp gap.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { OUT_DIR } from "./variants.ts";

/** The work program and how it was made. */
export interface Work {
  /** Run as `path MS UNIT`, or as a script's interpreter: `#!path MS` (the unit is the script's file name). */
  path: string;
  /** One line for results.md. */
  describe: string;
}

/** A unit's start and end, as the work program stamped them (ms since the epoch, microsecond precision). */
export interface Stamp {
  start: number;
  end: number;
}

let built: Work | undefined;

/** Compiles bench/lib/work.c (static where the C library allows it), or falls back to bash. */
export function workProgram(): Work {
  if (built) return built;
  mkdirSync(OUT_DIR, { recursive: true });
  const source = resolve(import.meta.dir, "work.c");
  const out = resolve(OUT_DIR, "work");
  const cc = Bun.which("cc") ?? Bun.which("gcc");
  if (cc) {
    for (const flags of [["-static"], []]) {
      const result = Bun.spawnSync([cc, "-O2", ...flags, "-o", out, source], {
        stdout: "pipe",
        stderr: "pipe",
      });
      if (result.exitCode === 0 && existsSync(out)) {
        built = {
          path: out,
          describe: `bench/lib/work.c compiled with \`${cc} -O2 ${flags.join(" ")}\`, a C program that starts in well under a millisecond`,
        };
        return built;
      }
    }
  }
  const script = resolve(OUT_DIR, "work.sh");
  writeFileSync(
    script,
    [
      "#!/bin/bash",
      "# bench/lib/work.ts's fallback for bench/lib/work.c (no C compiler on this machine).",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion, not a template
      "unit=${!#}; unit=${unit##*/}",
      'printf \'%s s %s\\n\' "$unit" "$EPOCHREALTIME" >> "$WORK_LOG"',
      'sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"',
      'printf \'%s e %s\\n\' "$unit" "$EPOCHREALTIME" >> "$WORK_LOG"',
      "",
    ].join("\n"),
  );
  chmodSync(script, 0o755);
  built = {
    path: script,
    describe:
      "a bash script (no C compiler found for bench/lib/work.c), so every stamp gap includes bash's own start-up of 1-3 ms",
  };
  return built;
}

/** The stamps of one trial's log, by unit. */
export function readStamps(log: string): Map<string, Stamp> {
  const stamps = new Map<string, Partial<Stamp>>();
  if (!existsSync(log)) return new Map();
  for (const line of readFileSync(log, "utf8").split("\n")) {
    const [unit, kind, seconds] = line.split(" ");
    if (!unit || !seconds) continue;
    const entry = stamps.get(unit) ?? {};
    entry[kind === "s" ? "start" : "end"] = Number(seconds) * 1000;
    stamps.set(unit, entry);
  }
  return stamps as Map<string, Stamp>;
}
